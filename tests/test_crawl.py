"""End to end: the real spider, through ``scrapy crawl``, against the fixture
site served on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import sqlite3
from urllib.parse import urlsplit

from parknews.replay import FIXTURES, ReplayServer
from tests.conftest import crawled_clicks

EXPECTED = json.loads((FIXTURES / "expected.json").read_text("utf-8"))
UNIQUE = {e["url_path"]: e for p, e in EXPECTED.items() if e["kind"] == "article" and not e.get("duplicate_of")}
MIRROR = next(p for p, e in EXPECTED.items() if e.get("duplicate_of"))


def category_list(category: str) -> str:
    """First list page of a category: the list no other list of it links back to page 1 from."""
    lists = {p: e for p, e in EXPECTED.items() if e["kind"] == "list" and e["category"] == category}
    nexts = {e["next"] for e in lists.values()}
    return next(p for p in sorted(lists) if p not in nexts)


def test_full_crawl_from_home_exports_every_article_once(crawl):
    with ReplayServer() as site:  # its own server: the request log below is this crawl's
        result = crawl(site.url)
    assert result.code == 0, result.log[-3000:]
    paths = [urlsplit(i["url"]).path for i in result.items]
    # Each article once; of the original and its mirror copy, the original.
    assert sorted(paths) == sorted(UNIQUE)
    for path, item in result.by_path().items():
        want = UNIQUE[path]
        assert (item["title"], item["published"], item["clicks"], item["source"], item["category"]) == (
            want["title"],
            want["published"],
            crawled_clicks(want),
            want["source"],
            want["category"],
        ), path
        assert item["body"].startswith(want["body_start"]) and item["body"].endswith(want["body_end"])
        assert list(item) == ["url", "site", "title", "published", "clicks", "source", "category", "body", "crawled_at"]
        assert item["site"] == urlsplit(site.url).netloc  # an ad-hoc site, named by its host
    assert result.stats["parknews/duplicate"] == 1
    assert result.stats["parknews/mirror_deferred"] == 1
    assert result.stats["parknews/articles"] == len(UNIQUE)
    assert result.stats["item_scraped_count"] == len(UNIQUE)
    # the about/contact pages are never requested: only the news centre is followed from home
    assert "/about/" not in site.requests


def test_output_is_utf8_without_escapes(site, crawl):
    result = crawl(site.url + "news/dfzt/1693.html")
    raw = result.out.read_text("utf-8")
    assert "\\u" not in raw and "园区力量" in raw
    assert len(raw.splitlines()) == 1


def test_single_article_start_url(site, crawl):
    result = crawl(site.url + "news/dfzt/1693.html")
    assert result.code == 0, result.log[-3000:]
    assert [i["title"] for i in result.items] == ["为高质量发展超越构筑“园区力量”"]
    item = result.items[0]
    assert (item["published"], item["clicks"], item["source"], item["category"]) == (
        "2020-09-25",
        2359,
        "闽西新闻网",
        "地方专题",
    )


def test_list_start_url_walks_only_its_pagination(site, crawl):
    start = category_list("地方专题")
    result = crawl(site.url + start.lstrip("/"))
    assert result.code == 0, result.log[-3000:]
    want = sorted(p for p, e in UNIQUE.items() if e["category"] == "地方专题")
    assert sorted(urlsplit(i["url"]).path for i in result.items) == want
    # never the site navigation: no hub page, only this category's lists
    assert result.stats.get("parknews/pages/hub", 0) == 0
    assert result.stats["parknews/pages/list"] == sum(
        1 for e in EXPECTED.values() if e["kind"] == "list" and e["category"] == "地方专题"
    )


def test_mirror_copy_is_the_same_article_across_runs(site, crawl):
    first = crawl(site.url + "news/dfzt/1693.html")
    assert len(first.items) == 1
    second = crawl(site.url + MIRROR.lstrip("/"))
    assert second.code == 0
    assert second.items == []
    assert second.stats["parknews/duplicate/fingerprint"] == 1


def test_mirror_alone_comes_out_simplified_or_kept(site, crawl, tmp_path):
    hans = crawl(site.url + MIRROR.lstrip("/"))
    assert hans.items[0]["title"] == "为高质量发展超越构筑“园区力量”"
    assert "(qū)" not in hans.items[0]["body"]
    kept = crawl(site.url + MIRROR.lstrip("/"), "-s", "PARKNEWS_SCRIPT=keep", state_path=tmp_path / "other.sqlite")
    assert kept.items[0]["title"] == "為高質量發展超越構筑“園區力量”"
    assert "工業(產業)園區" in kept.items[0]["body"]


def test_second_run_exports_nothing(site, crawl, tmp_path):
    first = crawl(site.url)
    assert len(first.items) == len(UNIQUE)
    second = crawl(site.url, out=tmp_path / "second.jsonl")
    assert second.code == 0
    assert second.items == []
    with sqlite3.connect(tmp_path / "state.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM articles WHERE duplicate_of IS NULL").fetchone()[0] == len(UNIQUE)
        # the mirror copy is remembered as a copy, so it is not fetched again
        assert db.execute("SELECT url FROM articles WHERE duplicate_of IS NOT NULL").fetchall() == [
            (site.url + MIRROR.lstrip("/"),)
        ]


def test_unreachable_site_fails_cleanly(crawl, tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = crawl(f"http://127.0.0.1:{port}/", "-s", "RETRY_TIMES=0")
    assert result.code == 1
    assert "ERROR: Run failed: site unreachable: http://127.0.0.1:" in result.log
    assert result.summary["exit_code"] == 1 and result.summary["failure"].startswith("site unreachable")
    assert not result.out.exists()
    # the storage says it wrote nothing, and Scrapy does not claim it stored the feed
    assert f"Nothing written to {result.out} (site unreachable" in result.log
    assert "[scrapy.extensions.feedexport] INFO: Stored" not in result.log
    assert not list(tmp_path.glob(".*.part"))


def test_bad_start_url_is_refused_before_crawling(crawl):
    result = crawl("ftp://127.0.0.1/x")
    assert result.code == 2
    assert result.log.strip().splitlines() == [
        "parknews: error: start_urls: 'ftp://127.0.0.1/x' is not an http:// or https:// URL"
    ]
    assert not result.out.exists()


def test_bad_script_setting_is_refused(site, crawl):
    result = crawl(site.url, "-s", "PARKNEWS_SCRIPT=klingon")
    assert result.code == 2
    assert result.log.strip().splitlines() == [
        "parknews: error: PARKNEWS_SCRIPT: 'klingon' is not one of zh-hans, keep"
    ]
    assert not result.out.exists()


def test_neither_article_nor_list_yields_nothing(site, crawl):
    result = crawl(site.url + "about/")
    assert result.code == 0
    assert result.items == []
    assert result.stats["parknews/pages/other"] == 1


def article_paths(requests: list[str]) -> list[str]:
    return [p for p in requests if urlsplit(p).path in UNIQUE or p == MIRROR]


def test_limit_exports_exactly_n_and_leaves_the_rest_for_the_next_run(crawl, tmp_path):
    """At the live site's pace (a delay, 8 requests handed to the downloader,
    2 at a time), as where the overshoot showed."""
    paced = ("-s", "DOWNLOAD_DELAY=0.2", "-s", "CONCURRENT_REQUESTS=8", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2")
    with ReplayServer() as site:
        first = crawl(site.url, "-a", "limit=3", *paced)
        fetched = article_paths(site.requests)
        with sqlite3.connect(tmp_path / "state.sqlite") as db:
            recorded = {row[0] for row in db.execute("SELECT url FROM articles WHERE duplicate_of IS NULL")}
        rest = crawl(site.url, "-a", "full=1", out=tmp_path / "rest.jsonl")
    assert first.code == 0, first.log[-3000:]
    assert len(first.items) == 3
    assert first.stats["item_scraped_count"] == 3
    assert first.summary["articles"]["new"] == 3
    assert first.stats["finish_reason"] == "closespider_itemcount"
    # no article request is sent once the third is in: at most those already on the wire
    assert len(fetched) <= 3 + 2, fetched
    assert recorded == {i["url"] for i in first.items}  # what was dropped past the limit is not recorded
    assert rest.code == 0, rest.log[-3000:]
    paths = [urlsplit(i["url"]).path for i in first.items + rest.items]
    assert sorted(paths) == sorted(UNIQUE)  # every article once, over the two runs


def test_limit_zero_means_no_limit(site, crawl):
    result = crawl(site.url, "-a", "limit=0")
    assert result.code == 0, result.log[-3000:]
    assert len(result.items) == len(UNIQUE)
    assert result.stats["finish_reason"] == "finished"


def test_limit_as_a_setting(site, crawl):
    result = crawl(site.url, "-s", "PARKNEWS_LIMIT=2")
    assert result.code == 0, result.log[-3000:]
    assert len(result.items) == 2


def test_bad_limit_is_refused(crawl):
    result = crawl("http://127.0.0.1:9/", "-a", "limit=-3")
    assert result.code == 2
    assert result.log.strip().splitlines() == ["parknews: error: limit: '-3' is not a whole number >= 0"]
