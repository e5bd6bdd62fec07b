"""Click counts that only JavaScript shows, end to end: the counter script,
and Chromium driven by scrapy-playwright (Debian's chromium on these machines)."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from parknews.replay import FIXTURES, ReplayServer

EXPECTED = json.loads((FIXTURES / "expected.json").read_text("utf-8"))
VIA = {e["url_path"]: e["clicks_via"] for e in EXPECTED.values() if "clicks_via" in e}
FETCH = next(p for p, via in VIA.items() if via == "fetch")
SCRIPT = next(p for p, via in VIA.items() if via == "script" and EXPECTED[p]["clicks_served"] is not None)
BROKEN = next(p for p, via in VIA.items() if via == "script" and EXPECTED[p]["clicks_served"] is None)


@pytest.fixture
def server():
    with ReplayServer() as srv:
        yield srv


def test_fetch_counter_is_read_in_a_real_browser(server, crawl):
    result = crawl(server.url + FETCH.lstrip("/"))
    assert result.code == 0, result.log[-3000:]
    assert [i["clicks"] for i in result.items] == [EXPECTED[FETCH]["clicks_served"]]
    assert result.stats["parknews/rendered"] == 1
    assert result.stats["playwright/page_count"] == 1  # one browser page, closed again
    assert result.stats["playwright/page_count/closed"] == 1
    assert "/api/hits.php" in " ".join(server.requests)  # the page's own fetch() ran


def test_render_never_writes_null_and_starts_no_browser(server, crawl):
    result = crawl(server.url + FETCH.lstrip("/"), "-s", "PARKNEWS_RENDER=never")
    assert result.code == 0
    assert [i["clicks"] for i in result.items] == [None]
    assert not [k for k in result.stats if k.startswith("playwright/")]
    assert "parknews/rendered" not in result.stats
    assert "scrapy_playwright" not in result.log


def test_counter_script_is_read_once_without_a_browser(server, crawl):
    result = crawl(server.url + SCRIPT.lstrip("/"))
    assert [i["clicks"] for i in result.items] == [EXPECTED[SCRIPT]["clicks_served"]]
    assert result.stats["parknews/counter/read"] == 1
    assert sum("/plus/count.php" in r for r in server.requests) == 1
    assert not [k for k in result.stats if k.startswith("playwright/")]


def test_broken_counter_costs_only_the_field_and_is_not_retried(server, crawl):
    result = crawl(server.url + BROKEN.lstrip("/"), "-s", "RETRY_TIMES=5")
    assert result.code == 0
    [item] = result.items
    assert item["clicks"] is None and item["title"] == EXPECTED[BROKEN]["title"]
    assert sum("/plus/count.php" in r for r in server.requests) == 1  # a counter call counts a visit
    assert "Click counter" in result.log and "HTTP 500" in result.log


def test_missing_browser_costs_only_the_field(server, crawl):
    result = crawl(server.url + FETCH.lstrip("/"), "-s", "PARKNEWS_CHROMIUM=/nonexistent/chromium")
    assert result.code == 0, result.log[-3000:]
    [item] = result.items
    assert item["clicks"] is None and item["title"] == EXPECTED[FETCH]["title"]
    assert result.stats["parknews/render_failed"] == 1
    assert "Browser could not render" in result.log


def test_whole_site_renders_only_the_pages_that_need_it(server, crawl):
    result = crawl(server.url)
    assert result.code == 0, result.log[-3000:]
    clicks = {urlsplit(i["url"]).path: i["clicks"] for i in result.items}
    for path in VIA:
        assert clicks[path] == EXPECTED[path]["clicks_served"], path
    assert result.stats["parknews/rendered"] == sum(1 for via in VIA.values() if via == "fetch")
    assert result.stats["playwright/page_count"] == result.stats["parknews/rendered"]
    for path in (SCRIPT, BROKEN):  # each counter called exactly once
        aid = path.rsplit("/", 1)[1].split(".")[0]
        assert sum(f"aid={aid}&" in r for r in server.requests) == 1


def test_known_unchanged_article_calls_no_counter_and_no_browser(server, crawl):
    first = crawl(server.url)
    assert len([i for i in first.items if i["clicks"] is not None]) >= 2
    server.requests.clear()
    again = crawl(server.url, "-a", "full=1")  # every article is fetched again
    assert again.items == []
    assert not [r for r in server.requests if "count.php" in r or "hits.php" in r]
    assert "parknews/render_requests" not in again.stats


def test_a_run_that_renders_nothing_says_nothing_of_a_browser(server, crawl):
    """The handler for the browser is only the plain HTTP one until a page needs rendering."""
    result = crawl(server.url + "news/dfzt/1693.html")
    assert result.code == 0 and len(result.items) == 1
    assert "Closing download handler" not in result.log and "parknews/rendered" not in result.stats
