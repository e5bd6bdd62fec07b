"""State and output faults: the crawl stops with one clear error and a
non-zero exit, and no article is recorded as seen unless its line was written;
and the output file a reader opens has the mode the user's umask gives.

The read-only directory and the full disk are real tmpfs mounts (these
machines run as root, where permission bits would not stop a write).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest

from parknews.jsonfile import write_json
from parknews.replay import FIXTURES, ReplayServer, crawl_command
from parknews.state import StateStore
from tests.conftest import ROOT

EXPECTED = json.loads((FIXTURES / "expected.json").read_text("utf-8"))
UNIQUE = {e["url_path"] for e in EXPECTED.values() if e["kind"] == "article" and not e.get("duplicate_of")}


@pytest.fixture
def server():
    with ReplayServer() as srv:
        yield srv


def mount_tmpfs(where: Path, options: str) -> Path:
    where.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], check=True)
    return where


@pytest.fixture
def full_disk(tmp_path):
    """16 KiB of space: room for a few articles, not for the site."""
    mnt = mount_tmpfs(tmp_path / "tiny", "size=16k")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=True)


@pytest.fixture
def read_only_dir(tmp_path):
    mnt = mount_tmpfs(tmp_path / "ro", "ro,size=16k")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=True)


def error_lines(log: str) -> list[str]:
    return log.strip().splitlines()


def test_corrupt_state_file_stops_before_crawling(server, crawl, tmp_path):
    state = tmp_path / "broken.sqlite"
    state.write_bytes(b"this is not a database\n" * 200)
    result = crawl(server.url, state_path=state)
    assert result.code == 2
    assert error_lines(result.log) == [f"parknews: error: state file '{state}' cannot be used: file is not a database"]
    assert server.requests == [] and not result.out.exists()


def damage_articles(state: Path) -> None:
    """A state of a few thousand articles whose header and schema open but whose
    articles table is garbled, as a bad disk sector or a half-copied file leaves it."""
    store = StateStore(state)
    for number in range(3000):
        store.add(f"http://127.0.0.1/news/{number}.html", f"{number:064d}", number)
    store.save()
    store.close()
    data = bytearray(state.read_bytes())
    page = 4096
    for offset in range(len(data) // 2 // page * page, len(data), page):
        data[offset + 8 : offset + 200] = b"\xa5" * 192
    state.write_bytes(bytes(data))
    with sqlite3.connect(state) as db:  # it still opens and answers about its tables
        assert db.execute("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'articles'").fetchone() == (1,)


def test_state_with_a_damaged_table_stops_before_crawling(server, crawl, tmp_path):
    state = tmp_path / "damaged.sqlite"
    damage_articles(state)
    result = crawl(server.url, state_path=state)
    assert result.code == 2
    [line] = error_lines(result.log)
    assert line.startswith(f"parknews: error: state file '{state}' cannot be used: database disk image is malformed (")
    assert server.requests == [] and not result.out.exists()


def test_unwritable_state_location_stops_before_crawling(server, crawl, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the state's directory should be")
    result = crawl(server.url, state_path=blocker / "state.sqlite")
    assert result.code == 2
    [line] = error_lines(result.log)
    assert line.startswith(f"parknews: error: lock file '{blocker / 'state.sqlite.lock'}' cannot be used:")
    assert server.requests == []


def test_missing_output_directory_stops_before_crawling(server, crawl, tmp_path):
    out = tmp_path / "no" / "such" / "dir" / "out.jsonl"
    result = crawl(server.url, out=out)
    assert result.code == 2
    assert error_lines(result.log) == [f"parknews: error: output directory '{out.parent}' does not exist"]
    assert server.requests == [] and not out.parent.exists()


def test_read_only_output_directory_stops_before_crawling(server, crawl, read_only_dir):
    result = crawl(server.url, out=read_only_dir / "out.jsonl")
    assert result.code == 2
    assert error_lines(result.log) == [
        f"parknews: error: output directory '{read_only_dir}' cannot be written: Read-only file system"
    ]
    assert server.requests == []


def test_disk_full_during_the_run_keeps_nothing_and_records_nothing(server, crawl, full_disk, tmp_path):
    state = tmp_path / "state.sqlite"
    result = crawl(server.url, out=full_disk / "out.jsonl", state_path=state)
    assert result.code == 1
    errors = [line for line in result.log.splitlines() if "Cannot write the output" in line]
    assert len(errors) == 1 and "No space left on device" in errors[0] and "stopping the crawl" in errors[0]
    assert result.summary["failure"].startswith("output could not be written:")
    assert result.stats["finish_reason"] == "output_failed"
    assert list(full_disk.iterdir()) == []  # neither a half-written file nor its temporary file
    with sqlite3.connect(state) as db:
        assert db.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 0
    # with room to write, the next run exports every article: nothing was lost
    again = crawl(server.url, out=tmp_path / "again.jsonl", state_path=state)
    assert again.code == 0
    assert len(again.items) == len(UNIQUE)


def test_output_files_follow_the_umask_and_a_replaced_file_keeps_its_mode(server, crawl, tmp_path):
    """As Scrapy's own file storage: a new file is 0666 less the umask; -O keeps the replaced file's mode."""
    out = tmp_path / "out.jsonl"
    first = crawl(server.url + "news/dfzt/1693.html", out=out, umask=0o002)
    assert first.code == 0 and len(first.items) == 1
    assert stat.S_IMODE(out.stat().st_mode) == 0o664
    out.chmod(0o640)
    again = crawl(server.url + "news/dfzt/1693.html", out=out, umask=0o002)  # nothing new: -O writes it empty
    assert again.code == 0 and out.read_text("utf-8") == ""
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    appended = tmp_path / "appended.jsonl"
    state = tmp_path / "other.sqlite"
    cmd = crawl_command(server.url + "news/dfzt/1693.html", appended, state, summary=tmp_path / "a.json")
    cmd[cmd.index("-O")] = "-o"
    assert subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=120, umask=0o027).returncode == 0
    assert stat.S_IMODE(appended.stat().st_mode) == 0o640


def test_json_files_people_edit_follow_the_umask_and_keep_a_replaced_files_mode(tmp_path):
    """Manifests, expected records, the floor and eval reports are read by people: not 0600."""
    old = os.umask(0o022)
    try:
        path = tmp_path / "expected.json"
        write_json(path, {"a": 1})
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        path.chmod(0o664)
        write_json(path, {"a": 2})
        assert stat.S_IMODE(path.stat().st_mode) == 0o664
        assert json.loads(path.read_text("utf-8")) == {"a": 2}
    finally:
        os.umask(old)


def fill(mount: Path) -> None:
    """Take every byte left on ``mount``."""
    fd = os.open(mount / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        with contextlib.suppress(OSError):
            while os.write(fd, b"\0" * 512):
                pass
    finally:
        os.close(fd)


@pytest.mark.parametrize("interrupt", [False, True], ids=["run done", "SIGTERM"])
def test_no_room_for_the_summary_is_one_error_and_a_failed_exit(server, tmp_path, full_disk, interrupt):
    """The summary is written as the run ends, also from the signal that stops it."""
    out, state, summary = tmp_path / "out.jsonl", tmp_path / "state.sqlite", full_disk / "last-run.json"
    fill(full_disk)
    cmd = crawl_command(server.url, out, state, summary=summary)
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if interrupt:
        assert server.wait_for(lambda reqs: len(reqs) >= 8, 60)
        proc.send_signal(signal.SIGTERM)
    _, log = proc.communicate(timeout=180)
    errors = [line for line in log.splitlines() if "ERROR" in line]
    no_room = [line for line in errors if "Cannot write the run summary" in line]
    assert no_room == [line for line in errors if "run summary" in line] and len(no_room) == 1, errors
    assert f"{summary} (No space left on device)" in no_room[0]
    assert "outcome.py" not in log and log.count("No space left on device") == 1  # no traceback of it
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler"]  # no half-written summary
    exported = [json.loads(line)["url"] for line in out.read_text("utf-8").splitlines()]
    if interrupt:
        assert proc.returncode == 143  # the outcome, as the summary line gives it
        assert [line for line in errors if "Run failed: interrupted by SIGTERM" in line]
    else:
        assert proc.returncode == 1
        assert len(exported) == len(UNIQUE)  # the run itself went well, and its output stands
        assert "Run summary:" in log and not [line for line in errors if "Run failed" in line]
