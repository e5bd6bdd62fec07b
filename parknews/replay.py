"""Serve saved pages on 127.0.0.1 and crawl them: tests, ``make demo``.

The fixtures directory holds page files plus ``manifest.json`` mapping each
URL path (with query) to its file, status and response headers, so pages are
replayed with the very headers the site sent (wrong charsets included). The
same format is written by ``scrapy savefixture``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import shlex
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from parknews.outcome import summary_line

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
#: ``make demo``'s output, in the checkout whose fixtures it replays.
DEMO_OUT = FIXTURES.parent / "data" / "demo.jsonl"
#: Seconds between the demo's progress lines (Scrapy's LogStats).
DEMO_PROGRESS_EVERY = 10

#: The one place where politeness is relaxed: only for a local replay server.
REPLAY_SETTINGS: dict[str, str] = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "DOWNLOAD_TIMEOUT": "10",
}


def load_manifest(root: Path = FIXTURES) -> dict[str, Any]:
    return json.loads((root / "manifest.json").read_text(encoding="utf-8"))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # http.server's default of 5 drops connections under load


class Routes(Protocol):
    """Extra routes a replay server can mount (the tests' misbehaving pages)."""

    def handles(self, path: str) -> bool: ...

    def serve(self, handler: BaseHTTPRequestHandler, with_body: bool) -> None: ...

    def close(self) -> None: ...


class ReplayServer:
    """A real HTTP server on 127.0.0.1 (ephemeral port) in a background thread."""

    def __init__(self, root: Path = FIXTURES, port: int = 0, routes: Routes | None = None) -> None:
        """``routes`` answers the paths it ``handles()`` instead of the saved pages."""
        self.root = Path(root)
        self.routes = routes
        self.pages: dict[str, dict[str, Any]] = load_manifest(self.root)["pages"]
        self.requests: list[str] = []
        self._lock = threading.Condition()
        replay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                replay._serve(self, with_body=True)

            def do_HEAD(self) -> None:
                replay._serve(self, with_body=False)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = _Server(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def use(self, root: Path) -> None:
        """Serve another saved copy at the same address: the site as it is on a later day."""
        pages = load_manifest(Path(root))["pages"]
        with self._lock:
            self.root, self.pages = Path(root), pages
            self.requests.clear()

    def wait_for(self, predicate: Callable[[list[str]], bool], timeout: float) -> bool:
        """Block until ``predicate(requests)`` holds (checked at each request), or ``timeout`` passes."""
        with self._lock:
            return self._lock.wait_for(lambda: predicate(self.requests), timeout)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> ReplayServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self.routes is not None:
            self.routes.close()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self, handler: BaseHTTPRequestHandler, with_body: bool) -> None:
        path = handler.path
        with self._lock:
            self.requests.append(path)
            self._lock.notify_all()
            root, pages = self.root, self.pages
        if self.routes is not None and self.routes.handles(urlsplit(path).path):
            self.routes.serve(handler, with_body)
            return
        entry = pages.get(path) or pages.get(urlsplit(path).path)
        if entry is None:
            status, headers = 404, {"Content-Type": "text/html; charset=utf-8"}
            body = b"<html><body><h1>404 Not Found</h1></body></html>"
        else:
            status, headers = entry.get("status", 200), entry.get("headers", {})
            body = (root / entry["file"]).read_bytes()
        handler.send_response(status)
        for name, value in headers.items():
            if name.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if with_body:
            handler.wfile.write(body)


def crawl_command(start_urls: str, out: Path, state: Path, *extra: str, summary: Path | None = None) -> list[str]:
    """The ``scrapy crawl`` command line for a replay crawl: its own state, and its
    summary beside that state (``summary``, or ``last-run.json`` in the state's
    directory), never the project's. No ``start_urls``: the sites ``extra`` chooses."""
    cmd = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "parknews",
        *(["-a", f"start_urls={start_urls}"] if start_urls else []),
        "-O",
        str(out),
        "-s",
        f"PARKNEWS_STATE={state}",
        "-s",
        f"PARKNEWS_SUMMARY={summary or state.with_name('last-run.json')}",
    ]
    for name, value in REPLAY_SETTINGS.items():
        cmd += ["-s", f"{name}={value}"]
    return cmd + list(extra)


def demo_files(out: Path) -> tuple[Path, Path]:
    """The demo's state and summary, beside its output: ``demo.state.sqlite``, ``demo.last-run.json``."""
    return out.with_suffix(".state.sqlite"), out.with_suffix(".last-run.json")


_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[(?P<logger>[^\]]+)\] (?P<level>[A-Z]+): ")
#: What the demo shows of the crawl's log: progress lines, and whatever went wrong.
_DEMO_LOGGERS = frozenset({"scrapy.extensions.logstats"})
_DEMO_LEVELS = frozenset({"WARNING", "ERROR", "CRITICAL"})


def _show_progress(log: Iterable[str]) -> None:
    """Pass on the crawl's progress lines and problems (with their continuation lines)."""
    shown = False
    for line in log:
        record = _RECORD.match(line)
        if record:
            shown = record["logger"] in _DEMO_LOGGERS or record["level"] in _DEMO_LEVELS
        if shown:
            print(line, end="", file=sys.stderr, flush=True)


def demo(out: Path, *extra: str) -> int:
    """Crawl the fixture site from its home page into ``out``, with a fresh state
    of its own beside it; show progress, problems and the run's summary.

    ``extra`` settings (``-s NAME=VALUE``) go to the crawl after the demo's own.
    """
    out.parent.mkdir(parents=True, exist_ok=True)  # data/ of a fresh clone
    state, summary = demo_files(out)
    for stale in (state, state.with_name(state.name + "-wal"), state.with_name(state.name + "-shm"), summary):
        stale.unlink(missing_ok=True)  # every demo crawls the whole site, as a first run does
    settings = ("-s", f"LOGSTATS_INTERVAL={DEMO_PROGRESS_EVERY}", "-s", "LOG_LEVEL=INFO", *extra)
    with ReplayServer() as server:
        print(f"Replaying {FIXTURES} at {server.url}", flush=True)
        cmd = crawl_command(server.url, out, state, *settings, summary=summary)
        with subprocess.Popen(cmd, cwd=FIXTURES.parent, stderr=subprocess.PIPE, text=True) as crawl:
            assert crawl.stderr is not None
            while True:
                try:
                    _show_progress(crawl.stderr)
                    break
                except KeyboardInterrupt:
                    continue  # the crawl got the same Ctrl-C and stops on its own: serve it until it has
        code = crawl.returncode
    lines = out.read_text(encoding="utf-8").splitlines() if out.exists() else []
    if code == 0 and lines:
        print(f"\nThe first of {len(lines)} articles in {out}:")
        print(json.dumps(json.loads(lines[0]), ensure_ascii=False, indent=2))
    if summary.exists():
        info = json.loads(summary.read_text(encoding="utf-8"))
        verdict = "Run summary" if info["ok"] else f"Run failed: {info['failure']}"
        print(f"\n{verdict}: {summary_line(info)} (summary in {summary})")
    return code


def _serve_error(message: str) -> int:
    print(f"python -m parknews.replay: error: {message}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m parknews.replay", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("demo", help="crawl the fixtures offline and write JSON Lines")
    d.add_argument("--out", type=Path, default=DEMO_OUT, help=f"output file (default: {DEMO_OUT})")
    s = sub.add_parser("serve", help="serve the fixtures until interrupted")
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--dir", type=Path, default=FIXTURES, help="a fixtures directory (manifest.json + pages)")
    args = parser.parse_args(argv)
    if args.cmd == "demo":
        return demo(args.out.resolve())
    if not 0 <= args.port <= 65535:
        return _serve_error(f"--port {args.port} is not a port number (0 to 65535; 0: any free port)")
    if not (args.dir / "manifest.json").is_file():
        return _serve_error(f"--dir {str(args.dir)!r} has no manifest.json")
    try:
        server = ReplayServer(args.dir, port=args.port)
    except OSError as exc:
        return _serve_error(f"cannot listen on 127.0.0.1 port {args.port}: {exc.strerror or exc}")
    # Ctrl-C is awaited from the first line printed on: whoever reads that line may send it at once.
    with server, contextlib.suppress(KeyboardInterrupt):
        print(f"Serving {args.dir} at {server.url} (Ctrl-C to stop)", flush=True)
        data = Path("data")
        crawl = crawl_command(
            server.url, data / "replay.jsonl", data / "replay.state.sqlite", summary=data / "replay.last-run.json"
        )
        print(
            "Crawl it at replay speed (a plain crawl keeps the live site's politeness, 1 s between requests):\n  "
            + shlex.join(["scrapy", *crawl[3:]]),
            flush=True,
        )
        # Short sleeps, not one endless wait: Ctrl-C may be delivered to the
        # server's thread, and Python raises it here only when this thread
        # next runs.
        while True:
            time.sleep(0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
