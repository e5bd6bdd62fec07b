"""SIGINT and SIGTERM during a run: prompt, honest exit codes, the summary
updated, and nothing lost, repeated or left half-written.

Each test runs the real ``scrapy crawl`` against its own server and signals
it at a moment the server's request log (or the crawl's own log) shows.
"""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from parknews import settings as project_settings
from parknews.replay import FIXTURES, ReplayServer, crawl_command
from tests.conftest import ROOT
from tests.faults import FaultSite, list_path, routes

EXPECTED = json.loads((FIXTURES / "expected.json").read_text("utf-8"))
UNIQUE = {e["url_path"] for e in EXPECTED.values() if e["kind"] == "article" and not e.get("duplicate_of")}
#: The live site's pace, shortened: a delay between requests, 8 handed to the downloader, 2 at a time.
PACED = ("-s", "DOWNLOAD_DELAY=0.5", "-s", "CONCURRENT_REQUESTS=8", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2")


class LogReader:
    """The crawl's log, read as it is written, so a test can wait for a line."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._thread.start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()

    def wait_for(self, predicate: Callable[[list[str]], bool], timeout: float = 60) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self.lines), timeout)

    def text(self) -> str:
        self._thread.join(timeout=30)
        return "".join(self.lines)


def article_requests(requests: list[str]) -> int:
    return sum(1 for path in requests if urlsplit(path).path in UNIQUE)


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()] if path.exists() else []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_one_signal_stops_promptly_keeps_what_was_exported_and_fails_the_run(tmp_path, signum):
    name = signal.Signals(signum).name
    state, out, summary = tmp_path / "state.sqlite", tmp_path / "out.jsonl", tmp_path / "last-run.json"
    with ReplayServer() as server:
        proc = subprocess.Popen(
            crawl_command(server.url, out, state, *PACED, summary=summary),
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert server.wait_for(lambda reqs: article_requests(reqs) >= 3, 60) and proc.poll() is None
        sent = len(server.requests)
        proc.send_signal(signum)
        _, log = proc.communicate(timeout=60)
        sent_after = len(server.requests) - sent
        rest = subprocess.run(
            crawl_command(server.url, tmp_path / "rest.jsonl", state, "-a", "full=1", summary=tmp_path / "rest.json"),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert proc.returncode == 128 + signum, log[-3000:]
    # the queued requests were given up: at most one that was already going out
    assert sent_after <= 1
    info = json.loads(summary.read_text("utf-8"))
    assert (info["ok"], info["exit_code"]) == (False, 128 + signum)
    assert info["failure"] == (
        f"interrupted by {name}: stopped before the crawl was done; the articles exported so far are kept"
    )
    assert info["stats"]["parknews/not_sent"] >= 1
    assert info["requests"] == sent + sent_after  # what reached the site, not what was given up
    assert f"WARNING: Interrupted by {name}: stopping" in log
    assert f"ERROR: Run failed: interrupted by {name}: stopped before the crawl was done" in log
    assert "Finished with" not in log  # spidermon's words for it
    first = jsonl(out)
    assert len(first) == info["articles"]["new"] >= 1
    # what was exported is recorded, what was not is not: a full walk exports exactly the rest
    assert rest.returncode == 0, rest.stderr[-3000:]
    paths = [urlsplit(item["url"]).path for item in first + jsonl(tmp_path / "rest.jsonl")]
    assert sorted(paths) == sorted(UNIQUE)


def test_a_second_signal_stops_at_once_and_keeps_nothing_of_the_run(tmp_path):
    """The second SIGINT comes while a response is still awaited (a page that stalls)."""
    state, out, summary = tmp_path / "state.sqlite", tmp_path / "out.jsonl", tmp_path / "last-run.json"
    good = [r for r in routes("slow") if r.exported]
    [slow] = routes("slow", "slow")
    one_by_one = (
        "-s",
        "CONCURRENT_REQUESTS=1",
        "-s",
        "SCHEDULER_MEMORY_QUEUE=scrapy.squeues.FifoMemoryQueue",  # the list's order: the stalling page last
        "-s",
        "LOG_LEVEL=DEBUG",
        "-s",
        "DOWNLOAD_TIMEOUT=60",
    )
    with ReplayServer(routes=FaultSite()) as faulty:
        start = faulty.url + list_path("slow").lstrip("/")
        proc = subprocess.Popen(
            crawl_command(start, out, state, *one_by_one, summary=summary), cwd=ROOT, stderr=subprocess.PIPE, text=True
        )
        log = LogReader(proc)
        assert log.wait_for(lambda lines: sum("Scraped from" in line for line in lines) == len(good))
        assert faulty.wait_for(lambda reqs: slow.path in reqs, 60)
        assert list(tmp_path.glob(".out.jsonl.*.part"))  # the run's output, not complete yet
        proc.send_signal(signal.SIGINT)
        assert log.wait_for(lambda lines: any("Interrupted by SIGINT" in line for line in lines))
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 128 + signal.SIGINT
        text = log.text()
        with sqlite3.connect(state) as db:
            recorded = db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        again = subprocess.run(
            crawl_command(
                start, tmp_path / "again.jsonl", state, "-s", "DOWNLOAD_TIMEOUT=1", summary=tmp_path / "again.json"
            ),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert "WARNING: Interrupted again by SIGINT: stopping at once; nothing of this run is kept" in text
    assert not out.exists() and not list(tmp_path.glob(".*.part"))  # neither the output nor its unfinished file
    info = json.loads(summary.read_text("utf-8"))
    assert (info["ok"], info["exit_code"]) == (False, 130)
    assert info["failure"] == "interrupted by SIGINT twice: stopped at once, nothing of this run was kept"
    assert info["stats"]["parknews/stopped_at_once"] is True
    assert re.search(r"ERROR: Run failed: interrupted by SIGINT twice: .* \(\d+ requests, ", text)
    assert recorded == 0
    # so the next run exports those articles
    assert again.returncode == 0, again.stderr[-3000:]
    assert sorted(urlsplit(i["url"]).path for i in jsonl(tmp_path / "again.jsonl")) == sorted(r.path for r in good)


def test_a_signal_as_the_spider_opens_ends_the_run_too(tmp_path):
    """Signalled at its first log line of the crawl proper (LogStats, as the spider
    opens): whether the engine runs yet or not, the run ends at once as interrupted."""
    state, out, summary = tmp_path / "state.sqlite", tmp_path / "out.jsonl", tmp_path / "last-run.json"
    with ReplayServer() as server:
        proc = subprocess.Popen(
            crawl_command(server.url, out, state, *PACED, summary=summary), cwd=ROOT, stderr=subprocess.PIPE, text=True
        )
        log = LogReader(proc)
        assert log.wait_for(lambda lines: any("[scrapy.extensions.logstats]" in line for line in lines))
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 130, log.text()[-3000:]
    info = json.loads(summary.read_text("utf-8"))
    assert (info["ok"], info["exit_code"]) == (False, 130)
    assert info["failure"].startswith("interrupted by SIGINT: stopped before the crawl was done")
    assert not list(tmp_path.glob(".*.part"))


def test_a_signal_while_the_engine_starts_stops_the_run_once_it_runs(tmp_path):
    state, out, summary = tmp_path / "state.sqlite", tmp_path / "out.jsonl", tmp_path / "last-run.json"
    slow = ("-s", "EXTENSIONS=" + json.dumps({**project_settings.EXTENSIONS, "tests.slow_start.SlowStart": 0}))
    with ReplayServer() as server:
        proc = subprocess.Popen(
            crawl_command(server.url, out, state, *slow, summary=summary), cwd=ROOT, stderr=subprocess.PIPE, text=True
        )
        log = LogReader(proc)
        assert log.wait_for(lambda lines: any("Starting slowly" in line for line in lines))
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 130, log.text()[-3000:]
    text = log.text()
    assert "WARNING: Interrupted by SIGINT: stopping (responses still awaited" in text
    info = json.loads(summary.read_text("utf-8"))
    assert info["failure"].startswith("interrupted by SIGINT: stopped before the crawl was done")
    assert info["articles"]["new"] < len(UNIQUE)  # stopped, not crawled to the end
