"""A real ``redis-server`` for the tests: 127.0.0.1 only, a free port, a temp dir.

Append-only file on (``appendfsync always``), no RDB snapshots, so a
:meth:`RedisServer.restart` brings back exactly what was written: what a
crash-safe production Redis does, and what the distributed mode relies on.
``make bench`` times the distributed mode against one too.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

BINARY = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """``redis-server`` in the foreground of a child process, on 127.0.0.1."""

    def __init__(self, directory: Path, port: int | None = None) -> None:
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)

    def start(self) -> RedisServer:
        cmd = [
            BINARY,
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", str(self.dir),
            "--appendonly", "yes",
            "--appendfsync", "always",
            "--save", "",
            "--daemonize", "no",
            "--protected-mode", "yes",
            "--logfile", "",
        ]  # fmt: skip
        # Redis says on its log when it accepts connections: wait for that line,
        # copying the log to redis.log as it comes (and on, so the pipe never fills).
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        said, accepting = threading.Event(), []
        threading.Thread(target=self._keep_log, args=(self.proc, said, accepting), daemon=True).start()
        if not said.wait(10) or not accepting:
            raise RuntimeError(f"redis-server did not start on 127.0.0.1:{self.port}; see {self.dir / 'redis.log'}")
        return self

    def _keep_log(self, proc: subprocess.Popen[bytes], said: threading.Event, accepting: list[bool]) -> None:
        """``said`` once Redis accepts connections (``accepting`` then holds True) or has exited."""
        assert proc.stdout is not None
        with (self.dir / "redis.log").open("ab") as log:
            for line in proc.stdout:
                log.write(line)
                log.flush()
                if b"Ready to accept connections" in line:
                    accepting.append(True)
                    said.set()
        said.set()

    def stop(self) -> None:
        """SIGTERM, and wait: Redis flushes its append-only file and exits."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
        self.proc = None

    def restart(self, down_for: float = 0.0) -> None:
        """Stop, stay down ``down_for`` seconds (the outage a test plays), start again on the same port and dir."""
        self.stop()
        time.sleep(down_for)
        self.start()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A fresh Redis of the test's own, stopped after it."""
    with RedisServer(tmp_path / "redis") as server:
        yield server
