"""What a new user types first: ``make help``, ``make demo``, and the replay
server (``python -m parknews.replay serve``) from any directory."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess

from parknews import replay
from parknews.replay import FIXTURES, REPLAY_SETTINGS
from tests.conftest import PYTHON, ROOT

EXPECTED = json.loads((FIXTURES / "expected.json").read_text("utf-8"))
UNIQUE = {e["url_path"] for e in EXPECTED.values() if e["kind"] == "article" and not e.get("duplicate_of")}


def without_make_env() -> dict[str, str]:
    """This environment without what an enclosing ``make test`` passes down."""
    return {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}


def _as_from_a_terminal() -> None:
    """Ctrl-C as a terminal delivers it: a shell's background job (``make test &``)
    starts its commands with SIGINT ignored, and a child keeps that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def serve(*args: str, cwd) -> subprocess.Popen[str]:
    cmd = [PYTHON, "-m", "parknews.replay", "serve", *args]
    return subprocess.Popen(
        cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_as_from_a_terminal
    )


TEXT = {"capture_output": True, "text": True, "timeout": 60}


def test_make_help_lists_every_target_in_one_line():
    makefile = (ROOT / "Makefile").read_text("utf-8")
    targets = re.search(r"^\.PHONY: (.+)$", makefile, re.M).group(1).split()
    proc = subprocess.run(["make", "--no-print-directory", "help"], cwd=ROOT, env=without_make_env(), **TEXT)
    assert proc.returncode == 0, proc.stderr
    lines = re.finditer(r"^  make (?P<target>\S+) +(?P<text>\S.*)$", proc.stdout, re.M)
    listed = {m["target"]: m["text"] for m in lines}
    assert sorted(listed) == sorted(targets)
    assert all(len(text) > 10 for text in listed.values())
    # `make` alone shows the same list, rather than installing anything
    bare = subprocess.run(["make", "--no-print-directory"], cwd=ROOT, env=without_make_env(), **TEXT)
    assert bare.stdout == proc.stdout


def test_serve_on_a_busy_port_says_so_in_one_line_from_any_directory(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = serve("--port", str(port), cwd=tmp_path)  # outside the checkout: the installed package
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert err.splitlines() == [
        f"python -m parknews.replay: error: cannot listen on 127.0.0.1 port {port}: Address already in use"
    ]
    assert out == ""


def test_serve_refuses_a_bad_port_or_directory_in_one_line(tmp_path):
    proc = serve("--port", "70000", cwd=tmp_path)
    _, err = proc.communicate(timeout=60)
    assert (proc.returncode, err.splitlines()) == (
        2,
        ["python -m parknews.replay: error: --port 70000 is not a port number (0 to 65535; 0: any free port)"],
    )
    proc = serve("--dir", str(tmp_path), cwd=tmp_path)
    _, err = proc.communicate(timeout=60)
    assert (proc.returncode, err.splitlines()) == (
        2,
        [f"python -m parknews.replay: error: --dir '{tmp_path}' has no manifest.json"],
    )


def test_serve_tells_how_to_crawl_it_at_replay_speed(tmp_path):
    proc = serve(cwd=tmp_path)
    assert proc.stdout is not None
    serving = proc.stdout.readline()
    hint = [proc.stdout.readline(), proc.stdout.readline()]
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0
    url = re.search(r"at (http://127\.0\.0\.1:\d+/) \(Ctrl-C to stop\)", serving).group(1)
    assert "live site's politeness" in hint[0]
    words = shlex.split(hint[1])
    assert words[:5] == ["scrapy", "crawl", "parknews", "-a", f"start_urls={url}"]
    assert all(f"{name}={value}" in words for name, value in REPLAY_SETTINGS.items())
    assert "PARKNEWS_STATE=data/replay.state.sqlite" in words  # not the project's own state


def test_demo_shows_progress_and_ends_with_the_run_summary(tmp_path, capsys):
    """Progress every LOGSTATS_INTERVAL (10 s in `make demo`; here 0.5 s over a crawl slowed to last longer)."""
    out = tmp_path / "demo.jsonl"
    assert replay.demo(out, "-s", "LOGSTATS_INTERVAL=0.5", "-s", "DOWNLOAD_DELAY=0.05") == 0
    shown = capsys.readouterr()
    progress = re.findall(r"\[scrapy\.extensions\.logstats\] INFO: Crawled \d+ pages", shown.err)
    assert len(progress) >= 2
    assert "[scrapy.core.engine]" not in shown.err  # Scrapy's own chatter stays out of the demo
    last = shown.out.strip().splitlines()[-1]
    assert re.fullmatch(rf"Run summary: \d+ requests, {len(UNIQUE)} new, .* s \(summary in .*\)", last), last
    assert len(out.read_text("utf-8").splitlines()) == len(UNIQUE)
    # its state and summary lie beside its output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "demo.jsonl",
        "demo.last-run.json",
        "demo.state.sqlite",
        "demo.state.sqlite.lock",
    ]
    assert replay.DEMO_PROGRESS_EVERY == 10


def test_ctrl_c_in_the_demo_stops_the_crawl_as_interrupted(tmp_path):
    """A terminal's Ctrl-C reaches the demo and its crawl (one process group): the
    demo keeps serving until the crawl has stopped, and reports it."""
    run_demo = (
        "import sys; from pathlib import Path; from parknews import replay; "
        f"sys.exit(replay.demo(Path({str(tmp_path / 'demo.jsonl')!r}), '-s', 'DOWNLOAD_DELAY=0.2'))"
    )
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    proc = subprocess.Popen([PYTHON, "-c", run_demo], cwd=ROOT, start_new_session=True, **pipes)
    assert proc.stderr is not None
    try:
        for line in proc.stderr:  # an article's warning: the crawl is under way
            if "[parknews.pipelines] WARNING" in line:
                break
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:  # a demo that did not stop: not left behind
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err[-3000:]
    assert "KeyboardInterrupt" not in err
    last = out.strip().splitlines()[-1]
    assert last.startswith("Run failed: interrupted by SIGINT: stopped before the crawl was done"), last
