"""Scheduled runs: incremental crawling, the run lock, crash safety, exit codes.

Each test serves its own copy of the fixture site on 127.0.0.1; "a later
day" is the same server switched to a variant of the site (same address, so
the URLs in the state still match).
"""

from __future__ import annotations

import copy
import fcntl
import json
import re
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from fixtures import generate
from parknews.replay import FIXTURES, ReplayServer, crawl_command
from tests.conftest import ROOT

EXPECTED = json.loads((FIXTURES / "expected.json").read_text("utf-8"))
UNIQUE = {e["url_path"] for e in EXPECTED.values() if e["kind"] == "article" and not e.get("duplicate_of")}
CATEGORIES = {e["category"] for e in EXPECTED.values() if e["kind"] == "list"}


def build_variant(out: Path, articles: list[dict]) -> Path:
    seed = generate.SEED_PATH.read_text(encoding="utf-8")
    generate.build_site(out, articles, generate.MIRRORS, seed_text=seed)
    return out


def page_requests(server: ReplayServer) -> list[str]:
    """What the crawl asked the site for, robots.txt aside (kept a day, so
    fetched by the first run of a test only)."""
    return [p for p in server.requests if p != "/robots.txt"]


@pytest.fixture
def server():
    with ReplayServer() as srv:
        yield srv


@pytest.fixture
def run(server, tmp_path):
    """One ``scrapy crawl`` against ``server``, sharing one state across calls."""
    state = tmp_path / "state.sqlite"
    count = iter(range(1, 100))

    def crawl(*extra: str, timeout: float = 180):
        n = next(count)
        out, summary = tmp_path / f"out{n}.jsonl", tmp_path / f"last-run{n}.json"
        cmd = crawl_command(server.url, out, state, "-s", f"PARKNEWS_SUMMARY={summary}", *extra)
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        items = [json.loads(x) for x in out.read_text("utf-8").splitlines()] if out.exists() else []
        info = json.loads(summary.read_text("utf-8")) if summary.exists() else {}
        return proc, items, info

    return crawl


def test_rerun_over_unchanged_site_costs_categories_plus_two_requests(server, run):
    proc, items, _ = run()
    assert proc.returncode == 0 and len(items) == len(UNIQUE)
    server.requests.clear()
    proc, items, info = run()
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert items == []
    # home, news centre, and the first list page of each category; robots.txt
    # comes from the state (fetched less than a day ago)
    assert sorted(server.requests) == sorted(["/", "/news/", "/news/dfzt/", "/news/yqdt/", "/news/zcjd/"])
    assert len(server.requests) <= len(CATEGORIES) + 2
    assert info["stats"]["robotstxt/cached"] == 1
    assert info["ok"] is True and info["articles"]["new"] == 0
    assert info["stats"]["parknews/lists_stopped"] == len(CATEGORIES)


def test_two_new_articles_cost_two_pages_plus_lists_up_to_the_known(server, run, tmp_path):
    run()
    articles = copy.deepcopy(generate.ARTICLES)
    template = next(a for a in articles if a["cat"] == "yqdt" and a["template"] == "plain")
    new = []
    for n, day in ((1901, "2023-12-02"), (1902, "2023-12-01")):
        a = copy.deepcopy(template)
        a.update(id=n, date=day, title=f"园区新增重点项目第{n}号开工建设", clicks=n)
        a["body"] = f"\n第{n}号项目今日开工，总投资{n}万元。\n" + a["body"]
        new.append(a)
    server.use(build_variant(tmp_path / "variant", articles + new))
    proc, items, info = run()
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert sorted(urlsplit(i["url"]).path for i in items) == ["/news/yqdt/1901.html", "/news/yqdt/1902.html"]
    assert [i["title"] for i in items if i["url"].endswith("1901.html")] == ["园区新增重点项目第1901号开工建设"]
    # the changed category is walked to its first fully known page, the others stop at page 1
    assert sorted(urlsplit(p).path for p in page_requests(server)) == sorted(
        [
            "/",
            "/news/",
            "/news/dfzt/",
            "/news/zcjd/",
            "/news/yqdt/",
            "/news/yqdt/index_2.html",
            "/news/yqdt/1901.html",
            "/news/yqdt/1902.html",
        ]
    )
    assert info["articles"] == {"new": 2, "updated": 0, "duplicate": 0, "missing_field": 0}


def test_full_walk_fetches_everything_but_exports_only_what_changed(server, run, tmp_path):
    run()
    articles = copy.deepcopy(generate.ARTICLES)
    edited = next(a for a in articles if a["id"] == 1772)
    edited["body"] = edited["body"].replace("园区", "产业园区", 1)
    server.use(build_variant(tmp_path / "variant", articles))
    proc, items, info = run("-a", "full=1")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert [urlsplit(i["url"]).path for i in items] == ["/news/yqdt/1772.html"]
    assert info["articles"]["updated"] == 1
    fetched = {urlsplit(p).path for p in page_requests(server)}
    assert fetched >= UNIQUE  # every article was read again


def test_refresh_clicks_exports_exactly_the_changed_counts(server, run, tmp_path):
    _, first, _ = run()
    articles = copy.deepcopy(generate.ARTICLES)
    bumped = {1786: 1400, 1698: 600, 1745: 1100}
    for a in articles:
        if a["id"] in bumped:
            a["clicks"] = bumped[a["id"]]
    server.use(build_variant(tmp_path / "variant", articles))
    proc, items, info = run("-a", "refresh_clicks=1")
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = {int(re.search(r"(\d+)\.html$", i["url"]).group(1)): i["clicks"] for i in items}
    assert got == bumped
    before = {i["url"]: i for i in first}
    for item in items:  # an updated record: same url and text, new clicks and crawl time
        old = before[item["url"]]
        assert (item["title"], item["body"]) == (old["title"], old["body"])
        assert item["crawled_at"] >= old["crawled_at"]
    assert info["stats"]["parknews/clicks_changed"] == 3


def test_sigkill_mid_crawl_loses_and_repeats_nothing(server, tmp_path):
    state = tmp_path / "state.sqlite"
    first_out, second_out = tmp_path / "killed.jsonl", tmp_path / "next.jsonl"
    slow = ("-s", "CONCURRENT_REQUESTS=1", "-s", "DOWNLOAD_DELAY=0.15")
    proc = subprocess.Popen(
        crawl_command(server.url, first_out, state, *slow),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    six_articles = server.wait_for(lambda reqs: sum(bool(re.search(r"/\d+\.html", p)) for p in reqs) >= 6, 60)
    assert six_articles and proc.poll() is None, "crawl ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    first = [json.loads(x) for x in first_out.read_text("utf-8").splitlines()] if first_out.exists() else []
    assert first == []  # the killed run left nothing under the final name
    done = subprocess.run(crawl_command(server.url, second_out, state), cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    second = [json.loads(x) for x in second_out.read_text("utf-8").splitlines()]
    paths = [urlsplit(i["url"]).path for i in first + second]
    assert sorted(paths) == sorted(UNIQUE)  # every article exactly once across both outputs
    assert not list(tmp_path.glob(".*.part"))  # the killed run's unfinished file is cleaned up


def test_two_runs_at_once_one_crawls_one_exits(server, tmp_path):
    state = tmp_path / "state.sqlite"
    slow = ("-s", "CONCURRENT_REQUESTS=1", "-s", "DOWNLOAD_DELAY=0.05")
    first = subprocess.Popen(
        crawl_command(server.url, tmp_path / "a.jsonl", state, *slow),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    lock = state.with_name(state.name + ".lock")
    # The lock is taken before the first request: once the site sees one, it is held.
    assert server.wait_for(bool, 30) and first.poll() is None
    assert _locked(lock)
    started = time.monotonic()
    second = subprocess.run(
        crawl_command(server.url, tmp_path / "b.jsonl", state), cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert second.returncode == 0
    assert time.monotonic() - started < 10  # at once, not after the first run
    assert second.stderr.strip().splitlines() == [f"parknews: another run (pid {first.pid}) holds {lock}; not starting"]
    assert not (tmp_path / "b.jsonl").exists()
    assert first.wait(timeout=120) == 0
    assert len((tmp_path / "a.jsonl").read_text("utf-8").splitlines()) == len(UNIQUE)


def test_a_state_reached_through_a_symlink_and_its_real_path_has_one_lock(server, tmp_path):
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "state.sqlite"
    link = tmp_path / "link.sqlite"
    link.symlink_to(real)
    slow = ("-s", "CONCURRENT_REQUESTS=1", "-s", "DOWNLOAD_DELAY=0.05")
    first = subprocess.Popen(
        crawl_command(server.url, tmp_path / "a.jsonl", link, *slow),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert server.wait_for(bool, 30) and first.poll() is None
    lock = real.with_name("state.sqlite.lock")
    assert _locked(lock) and not (tmp_path / "link.sqlite.lock").exists()
    second = subprocess.run(
        crawl_command(server.url, tmp_path / "b.jsonl", real), cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert second.returncode == 0
    assert second.stderr.strip().splitlines() == [f"parknews: another run (pid {first.pid}) holds {lock}; not starting"]
    assert not (tmp_path / "b.jsonl").exists()
    assert first.wait(timeout=120) == 0
    assert len((tmp_path / "a.jsonl").read_text("utf-8").splitlines()) == len(UNIQUE)


def _locked(path: Path) -> bool:
    if not path.exists():
        return False
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def hide_titles(src: Path, out: Path) -> Path:
    """The site after a template change: headings rendered by script, <title> the site name."""
    shutil.copytree(src, out)
    for key, entry in json.loads((out / "manifest.json").read_text("utf-8"))["pages"].items():
        if EXPECTED.get(key, {}).get("kind") != "article":
            continue
        path = out / entry["file"]
        raw = path.read_bytes()
        charset = re.search(rb"charset=[\"']?([\w-]+)", raw).group(1).decode()
        charset = "gbk" if charset.lower() == "gb2312" else charset
        html = raw.decode(charset)
        html = re.sub(r"<h([12])[^>]*>.*?</h\1>", "", html, flags=re.S)
        html = re.sub(r"<title>.*?</title>", "<title>产城创投/园区梦工场</title>", html, flags=re.S)
        html = re.sub(r'<meta property="og:title"[^>]*>', "", html)
        path.write_bytes(html.encode(charset, errors="xmlcharrefreplace"))
    return out


def test_template_that_hides_the_title_fails_the_run_naming_the_field(server, run, tmp_path):
    server.use(hide_titles(FIXTURES, tmp_path / "no-titles"))
    proc, items, info = run()
    assert proc.returncode == 1
    assert len(items) == len(UNIQUE) and all(i["title"] is None for i in items)  # exported all the same
    assert "title in 0% of articles (needs 95%)" in info["failure"]
    assert "Run failed: field coverage too low" in proc.stderr


def test_robots_txt_is_fetched_again_once_it_is_a_day_old(server, run, tmp_path):
    run()
    assert server.requests.count("/robots.txt") == 1
    run()
    assert server.requests.count("/robots.txt") == 1  # reused
    with sqlite3.connect(tmp_path / "state.sqlite") as db:
        db.execute("UPDATE robots SET fetched_at = fetched_at - 86401")
    run()
    assert server.requests.count("/robots.txt") == 2
