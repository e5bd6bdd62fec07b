"""The project's own paths — state, lock, output, summary — are the project
root's, whichever directory a run starts from; a path given with ``-s`` means
what it means in the shell. Each test runs in a project of its own (``project``)."""

from __future__ import annotations

import fcntl
import json
import subprocess
from pathlib import Path

from parknews.replay import REPLAY_SETTINGS
from tests.conftest import PYTHON, project_env, tree

ARTICLE = "news/dfzt/1693.html"


def crawl_from(where: Path, start: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """``scrapy crawl parknews`` with the project's default paths, as a user types it."""
    replay = [arg for name, value in REPLAY_SETTINGS.items() for arg in ("-s", f"{name}={value}")]
    cmd = [PYTHON, "-m", "scrapy", "crawl", "parknews", "-a", f"start_urls={start}", *replay, *extra]
    return subprocess.run(cmd, cwd=where, env=project_env(), capture_output=True, text=True, timeout=120)


def test_default_paths_are_the_project_roots_from_any_directory(site, project):
    first = crawl_from(project / "sub", site.url + ARTICLE)
    assert first.returncode == 0, first.stderr[-3000:]
    [output] = (project / "data").glob("parknews-*.jsonl")
    assert json.loads(output.read_text("utf-8"))["clicks"] == 2359
    assert (project / ".parknews" / "state.sqlite").exists()
    assert json.loads((project / "data" / "last-run.json").read_text("utf-8"))["articles"]["new"] == 1
    assert tree(project / "sub") == []  # nothing where the run was started
    # from the root, the same state: nothing new, no empty file, and no word of a file that was not written
    again = crawl_from(project, site.url + ARTICLE)
    assert again.returncode == 0, again.stderr[-3000:]
    assert list((project / "data").glob("parknews-*.jsonl")) == [output]
    assert not list((project / "data").glob(".*"))
    assert "Nothing written to " in again.stderr and "(no new articles)" in again.stderr
    assert "[scrapy.extensions.feedexport] INFO: Stored" not in again.stderr


def test_runs_from_two_directories_share_one_lock(site, project):
    lock = project / ".parknews" / "state.sqlite.lock"
    lock.parent.mkdir()
    with lock.open("a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.write("4242\n")
        held.flush()
        proc = crawl_from(project / "sub", site.url + ARTICLE)
    assert proc.returncode == 0
    assert proc.stderr.strip().splitlines() == [f"parknews: another run (pid 4242) holds {lock}; not starting"]
    assert not (project / "data").exists()


def test_a_path_given_with_s_is_the_shells(site, project):
    sub = project / "sub"
    proc = crawl_from(sub, site.url + ARTICLE, "-s", "PARKNEWS_STATE=mine.sqlite", "-s", "PARKNEWS_SUMMARY=run.json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (sub / "mine.sqlite").exists() and (sub / "run.json").exists()
    assert not (project / ".parknews").exists()
    assert len(list((project / "data").glob("parknews-*.jsonl"))) == 1  # the output stays the project's
