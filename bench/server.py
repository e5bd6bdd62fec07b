"""The replay site's server for the benchmark, in a process of its own.

The server must not be what limits a crawl, or the bench would measure it
instead of the crawler. ``python -m http.server`` is: its listen backlog of 5
drops connections under load. nginx is used when it is installed (one
worker, so the crawler keeps the other core); otherwise an asyncio server
with a real backlog that holds every page in memory. Both answer with the
manifest's exact status and Content-Type, log one line per request (which is
how the bench counts a run's requests from the server's side), and report
their own CPU time, so the bench can show how busy the server was.

``python bench/server.py serve --root DIR --port P --log FILE`` runs the
fallback server; the rest is used by ``bench/run.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import string
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLK_TCK = os.sysconf("SC_CLK_TCK")
_SKIP_HEADERS = ("content-length", "transfer-encoding", "connection", "content-encoding")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its children, from /proc."""
    total = 0.0
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for p in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLK_TCK
    return total


class Server:
    """A started server: its URL, its request log, its CPU time."""

    kind = "?"

    def __init__(self, root: Path, workdir: Path) -> None:
        self.root = Path(root).resolve()
        self.workdir = Path(workdir).resolve()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.log = self.workdir / "access.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def requests_logged(self) -> int:
        if not self.log.exists():
            return 0
        with self.log.open("rb") as f:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))

    def cpu_seconds(self) -> float:
        return process_cpu(self.proc.pid) if self.proc else 0.0

    def wait_ready(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc and self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited with {self.proc.returncode}; see {self.workdir}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return
            time.sleep(0.05)
        raise RuntimeError(f"{self.kind} did not listen on port {self.port} within {timeout} s")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class NginxServer(Server):
    kind = "nginx"

    def start(self) -> NginxServer:
        manifest = json.loads((self.root / "manifest.json").read_text(encoding="utf-8"))["pages"]
        types: dict[str, int] = {}
        routes = []
        for key, entry in manifest.items():
            ctype = entry.get("headers", {}).get("Content-Type", "application/octet-stream")
            k = types.setdefault(ctype, len(types))
            if entry.get("status", 200) != 200:
                raise ValueError(f"nginx replay serves status 200 only, {key} has {entry['status']}")
            routes.append(f'"{_nginx_quote(key)}" "/_ct{k}/{_nginx_quote(entry["file"])}";')
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.workdir / "tmp" / sub).mkdir(parents=True, exist_ok=True)
        (self.workdir / "routes.map").write_text("\n".join(routes) + "\n", encoding="utf-8")
        locations = "".join(
            f"""
        location /_ct{k}/ {{
            internal;
            alias {self.root}/;
            default_type "{_nginx_quote(ctype)}";
        }}"""
            for ctype, k in types.items()
        )
        template = string.Template((HERE / "nginx.conf.template").read_text(encoding="utf-8"))
        conf = template.safe_substitute(
            workdir=self.workdir,
            root=self.root,
            port=self.port,
            # a root master would hand pages to "nobody", who may not read the work tree
            user="user root;" if os.geteuid() == 0 else "",
            map_hash_max_size=max(4096, 2 * len(routes)),
            content_type_locations=locations,
        )
        conf_path = self.workdir / "nginx.conf"
        conf_path.write_text(conf, encoding="utf-8")
        self.log.unlink(missing_ok=True)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        cmd = [nginx, "-p", str(self.workdir), "-c", str(conf_path), "-e", str(self.workdir / "error.log")]
        check = subprocess.run([*cmd, "-t", "-q"], capture_output=True, text=True)
        if check.returncode:
            raise RuntimeError(f"nginx rejected {conf_path}: {check.stderr.strip()}")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.wait_ready()
        return self


def _nginx_quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def nginx_available() -> bool:
    return bool(shutil.which("nginx") or Path("/usr/sbin/nginx").exists())


class AsyncioServer(Server):
    """Fallback when nginx is missing: ``serve()`` below, in a child process."""

    kind = "asyncio (fallback)"

    def start(self) -> AsyncioServer:
        self.log.unlink(missing_ok=True)
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "serve",
            "--root",
            str(self.root),
            "--port",
            str(self.port),
            "--log",
            str(self.log),
        ]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
        self.wait_ready()
        return self


def start_server(root: Path, workdir: Path, prefer_nginx: bool = True) -> Server:
    if prefer_nginx and nginx_available():
        return NginxServer(root, workdir).start()
    return AsyncioServer(root, workdir).start()


# ------------------------------------------------------------ fallback server
async def serve(root: Path, port: int, log: Path) -> None:
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))["pages"]
    files: dict[str, bytes] = {}
    pages: dict[bytes, bytes] = {}
    for key, entry in manifest.items():
        body = files.get(entry["file"]) or files.setdefault(entry["file"], (root / entry["file"]).read_bytes())
        status = entry.get("status", 200)
        head = [f"HTTP/1.1 {status} {'OK' if status == 200 else 'Status'}"]
        head += [f"{k}: {v}" for k, v in entry.get("headers", {}).items() if k.lower() not in _SKIP_HEADERS]
        head += [f"Content-Length: {len(body)}", "", ""]
        pages[key.encode("latin-1")] = "\r\n".join(head).encode("latin-1") + body
    missing = b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 9\r\n\r\nnot found"
    out = log.open("a", buffering=1, encoding="utf-8")

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                target = head.split(b" ", 2)[1]
                answer = pages.get(target, missing)
                out.write(f"{target.decode('latin-1')} {200 if answer is not missing else 404}\n")
                writer.write(answer)
                await writer.drain()
                if b"connection: close" in head.lower():
                    break
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=4096)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


# ---------------------------------------------------------------- load client
async def _load(host: str, port: int, paths: list[str], concurrency: int, seconds: float, limit: int) -> dict:
    """Keep-alive GETs from ``concurrency`` connections for ``seconds`` (at most ``limit`` requests)."""
    done = 0
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker(offset: int) -> None:
        nonlocal done, errors
        reader, writer = await asyncio.open_connection(host, port)
        i = offset
        try:
            while time.perf_counter() < deadline and done < limit:
                path = paths[i % len(paths)]
                i += concurrency
                writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode("latin-1"))
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                await reader.readexactly(length)
                if head.startswith(b"HTTP/1.1 200"):
                    done += 1
                else:
                    errors += 1
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(concurrency)))
    elapsed = time.perf_counter() - start
    return {"requests": done, "errors": errors, "seconds": elapsed}


def load_test(server: Server, paths: list[str], concurrency: int, seconds: float = 4.0, limit: int = 200_000) -> dict:
    """The server's own requests/s under ``concurrency`` keep-alive connections.

    The client is plain asyncio in this process (one core); the server gets
    the other. The number is a floor on what the server can do, which is
    enough to show it is not what limits a crawl.
    """
    cpu0, t0 = server.cpu_seconds(), time.perf_counter()
    result = asyncio.run(_load("127.0.0.1", server.port, paths, concurrency, seconds, limit))
    result["server_cpu_share"] = (server.cpu_seconds() - cpu0) / max(time.perf_counter() - t0, 1e-9)
    result["requests_per_s"] = result["requests"] / result["seconds"]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve", help="run the fallback server until SIGTERM")
    s.add_argument("--root", type=Path, required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--log", type=Path, required=True)
    args = parser.parse_args(argv)
    asyncio.run(serve(args.root.resolve(), args.port, args.log))
    return 0


if __name__ == "__main__":
    sys.exit(main())
