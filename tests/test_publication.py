"""The output and the state as one step: whenever a run is killed — during the
crawl, with its articles held in the state, half-way through appending, or
with its output in place and the state not yet saved — every article ends up
in an output exactly once, and the state agrees with the outputs.

Runs are killed at random moments (``tests/publish_faults.py`` for the moments
inside publishing); the seed is printed: ``TEST_SEED=<seed> pytest …`` replays it.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from parknews import settings as project_settings
from parknews.replay import FIXTURES, ReplayServer, crawl_command
from tests.conftest import ROOT

EXPECTED = json.loads((FIXTURES / "expected.json").read_text("utf-8"))
UNIQUE = {e["url_path"] for e in EXPECTED.values() if e["kind"] == "article" and not e.get("duplicate_of")}
WITH_FAULTS = json.dumps({**project_settings.EXTENSIONS, "tests.publish_faults.PublishFault": 0})


def seeded(name: str) -> random.Random:
    seed = int(os.environ.get("TEST_SEED") or random.randrange(10**9))
    print(f"{name}: TEST_SEED={seed}")
    return random.Random(seed)


def lines(out: Path) -> list[str]:
    """The output's article paths; every line must be whole JSON."""
    if not out.exists():
        return []
    return [urlsplit(json.loads(line)["url"]).path for line in out.read_text("utf-8").splitlines()]


def command(server: ReplayServer, out: Path, state: Path, append: bool, *extra: str) -> list[str]:
    cmd = crawl_command(server.url, out, state, *extra, summary=state.with_name("last-run.json"))
    if append:
        cmd[cmd.index("-O")] = "-o"
    return cmd


def killed_run(server: ReplayServer, out: Path, state: Path, append: bool, moment: str, rng: random.Random) -> str:
    """A run of a few articles (``-a limit``), killed at ``moment``: ``crawl`` (from
    outside, after a random number of requests) or a moment of publishing."""
    limit = ("-a", f"limit={rng.randint(2, 7)}")
    if moment == "crawl":
        sent, after = len(server.requests), rng.randint(2, 12)
        proc = subprocess.Popen(
            command(server, out, state, append, *limit), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        while not server.wait_for(lambda reqs: len(reqs) >= sent + after, 0.5):
            if proc.poll() is not None:
                break
        proc.send_signal(signal.SIGKILL)
        code = proc.wait(timeout=60)
        return f"{limit[1]}, killed after {after} requests: exit {code}"
    fault = ("-s", f"EXTENSIONS={WITH_FAULTS}", "-s", f"PUBLISH_FAULT={moment}")
    proc = subprocess.run(
        command(server, out, state, append, *limit, *fault), cwd=ROOT, capture_output=True, timeout=120
    )
    return f"{limit[1]}, {moment}: exit {proc.returncode}"


@pytest.mark.parametrize("append", [False, True], ids=["new file each run", "-o one file"])
def test_runs_killed_at_any_moment_leave_every_article_in_an_output_exactly_once(tmp_path, append):
    rng = seeded("killed runs")
    moments = ["placed", "held", "crawl", *rng.choices(["placed", "held", "crawl", "mid-append"], k=3)]
    rng.shuffle(moments)
    if append:
        moments.insert(rng.randint(0, 2), "mid-append")
        (tmp_path / "out.jsonl").touch()  # appended to from the first run on
    state = tmp_path / "state.sqlite"
    outputs, story = [], []
    with ReplayServer() as server:
        for n, moment in enumerate(moments):
            out = tmp_path / ("out.jsonl" if append else f"out{n}.jsonl")
            story.append(killed_run(server, out, state, append, moment, rng))
            outputs.append(out)
        for n in range(2):  # the rest, then nothing
            out = tmp_path / ("out.jsonl" if append else f"plain{n}.jsonl")
            proc = subprocess.run(command(server, out, state, append), cwd=ROOT, capture_output=True, timeout=120)
            assert proc.returncode == 0, proc.stderr[-3000:]
            outputs.append(out)
    assert any(line.endswith("placed: exit -9") for line in story), story  # killed between output and state
    assert not append or any(line.endswith("mid-append: exit -9") for line in story), story
    assert not list(tmp_path.glob(".*.part"))
    paths = [path for out in dict.fromkeys(outputs) for path in lines(out)]
    assert sorted(paths) == sorted(UNIQUE), story
    if not append:
        assert lines(outputs[-1]) == []  # the state agrees: nothing left to export


def test_a_kill_between_output_and_state_repeats_nothing(tmp_path):
    """The moment the old order lost: the output under its final name, the state not yet saved."""
    state = tmp_path / "state.sqlite"
    fault = ("-s", f"EXTENSIONS={WITH_FAULTS}", "-s", "PUBLISH_FAULT=placed")
    with ReplayServer() as server:
        killed = subprocess.run(
            command(server, tmp_path / "first.jsonl", state, False, *fault), cwd=ROOT, capture_output=True, timeout=120
        )
        again = subprocess.run(
            command(server, tmp_path / "next.jsonl", state, False),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert killed.returncode == -signal.SIGKILL
    assert sorted(lines(tmp_path / "first.jsonl")) == sorted(UNIQUE)
    assert again.returncode == 0 and lines(tmp_path / "next.jsonl") == []
    assert f"The last run stopped after writing {tmp_path / 'first.jsonl'}: recording its articles now" in again.stderr


def test_a_state_that_cannot_be_saved_after_the_output_is_recorded_by_the_next_run(tmp_path):
    state = tmp_path / "state.sqlite"
    fault = ("-s", f"EXTENSIONS={WITH_FAULTS}", "-s", "PUBLISH_FAULT=unsaved")
    with ReplayServer() as server:
        failed = subprocess.run(
            command(server, tmp_path / "first.jsonl", state, False, *fault),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        again = subprocess.run(
            command(server, tmp_path / "next.jsonl", state, False),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert failed.returncode == 1
    [error] = [line for line in failed.stderr.splitlines() if "Cannot save the state" in line]
    assert "disk I/O error" in error
    assert sorted(lines(tmp_path / "first.jsonl")) == sorted(UNIQUE)  # the output is kept
    assert again.returncode == 0 and lines(tmp_path / "next.jsonl") == []  # and not repeated


def test_appending_after_a_torn_last_line_cuts_it_off_first(tmp_path):
    """A file whose last line has no end (a writer killed mid-line): the batch starts on a line of its own."""
    out = tmp_path / "out.jsonl"
    whole = json.dumps({"url": "http://example.invalid/old.html"}) + "\n"
    out.write_text(whole + '{"url": "http://example.invalid/to', "utf-8")
    with ReplayServer() as server:
        proc = subprocess.run(
            command(server, out, tmp_path / "state.sqlite", True), cwd=ROOT, capture_output=True, text=True, timeout=120
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"Cutting off the last 34 bytes of {out}: a line left unfinished" in proc.stderr
    assert sorted(lines(out)) == sorted(["/old.html", *UNIQUE])
