"""Extraction rules on the saved pages, without the engine (trafilatura-style
"must contain / must not contain" per page, plus exact field values)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from parknews.dates import parse_published
from parknews.loaders import parse_clicks
from parknews.pages import ArticlePage, Document, ListPage, canonical_url, classify
from parknews.replay import FIXTURES
from tests.conftest import fixture_response

EXPECTED = json.loads((FIXTURES / "expected.json").read_text("utf-8"))
ARTICLES = sorted(p for p, e in EXPECTED.items() if e["kind"] == "article")
NON_ARTICLES = sorted(p for p, e in EXPECTED.items() if e["kind"] != "article")


def doc_for(path: str, manifest) -> Document:
    return Document.from_response(fixture_response(path, manifest))


def article_for(path: str, manifest) -> ArticlePage:
    return ArticlePage(doc_for(path, manifest))


def repaired(path: str, manifest) -> dict:
    """The article as the spider exports it."""
    item = article_for(path, manifest).to_item(crawled_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    return vars(item)


@pytest.mark.parametrize("path", ARTICLES)
def test_article_fields(path, manifest):
    want = EXPECTED[path]
    got = repaired(path, manifest)
    assert got["title"] == want["title"]
    assert got["published"] == want["published"]
    assert got["clicks"] == want["clicks"]  # the count the HTML shows
    if "clicks_via" in want:
        # the HTML shows the label only (clicks null); a counter script or fetch() writes the number
        assert article_for(path, manifest).clicks_need_script
    assert got["source"] == want["source"]
    assert got["category"] == want["category"]
    assert got["url"] == "http://127.0.0.1:8000" + want["url_path"]
    assert got["crawled_at"] == "2026-01-02T03:04:05+00:00"


@pytest.mark.parametrize("path", ARTICLES)
def test_article_body(path, manifest):
    want = EXPECTED[path]
    body = repaired(path, manifest)["body"]
    assert body.startswith(want["body_start"]), body[:80]
    assert body.endswith(want["body_end"]), body[-80:]
    for snippet in want["contains"]:
        assert snippet in body
    for snippet in want["not_contains"]:
        assert snippet not in body
    assert "\n\n" not in body and body == body.strip()
    lines = body.split("\n")
    for row in want.get("table_rows", []):
        assert " | ".join(row) in lines


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_classification(path, manifest):
    assert classify(doc_for(path, manifest)).kind == EXPECTED[path]["kind"]


@pytest.mark.parametrize("path", [p for p in NON_ARTICLES if EXPECTED[p]["kind"] == "list"])
def test_list_links_and_pagination(path, manifest):
    want = EXPECTED[path]
    page = ListPage(doc_for(path, manifest))
    from urllib.parse import urlsplit

    assert [urlsplit(link.url).path for link in page.article_links] == want["articles"]
    nxt = page.next_page
    if want["next"] is None:
        assert nxt is None
    else:
        parts = urlsplit(nxt.url)
        assert parts.path + (f"?{parts.query}" if parts.query else "") == want["next"]


def test_seed_mirror_matches_the_original(manifest):
    mirror = next(p for p in ARTICLES if EXPECTED[p].get("duplicate_of"))
    original = EXPECTED[mirror]["duplicate_of"]
    a, b = repaired(mirror, manifest), repaired(original, manifest)
    assert a["title"] == b["title"] == "为高质量发展超越构筑“园区力量”"
    assert (a["published"], a["clicks"], a["source"], a["category"]) == ("2020-09-25", 2359, "闽西新闻网", "地方专题")
    assert a["body"].startswith("龙岩9月25日讯")
    assert a["body"].endswith("已支付6.53亿元。")
    assert "(qū)" not in a["body"] and "園" not in a["body"] and "新聞中心" not in a["body"]
    assert "工业(产业)园区" in a["body"]


def test_canonical_url_drops_tracking_only():
    assert canonical_url("http://site.test/a/1.html?from=list") == "http://site.test/a/1.html"
    assert canonical_url("http://site.test/a/1.html?utm_source=x&id=3#top") == "http://site.test/a/1.html?id=3"
    assert canonical_url("http://site.test/list/?page=2") == "http://site.test/list/?page=2"


def test_canonical_link_on_other_host_is_ignored():
    html = (
        '<html><head><title>T</title><link rel="canonical" href="http://other.example.org/x.html"></head>'
        "<body></body></html>"
    )
    page = ArticlePage(Document.from_html(html, "http://site.test/a/12.html?from=list"))
    assert page.canonical == "http://site.test/a/12.html"


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("2020-09-25", "2020-09-25"),
        ("发布时间:2020-9-5", "2020-09-05"),
        ("2021年6月1日 08:30", "2021-06-01T08:30:00+08:00"),
        ("2021-06-01 08:30:15", "2021-06-01T08:30:15+08:00"),
        ("2022-05-10T01:30:00Z", "2022-05-10T09:30:00+08:00"),
        ("2022-05-10T09:30:00+08:00", "2022-05-10T09:30:00+08:00"),
        ("2020-02-30", None),
        ("昨天", None),
    ],
)
def test_parse_published(raw, iso):
    assert parse_published(raw) == iso


def test_parse_clicks_never_invents_zero():
    assert parse_clicks("2,359") == 2359
    assert parse_clicks("0") == 0
    assert parse_clicks("") is None
    assert parse_clicks("--") is None


def test_random_junk_is_not_an_article():
    doc = Document.from_html(
        "<html><body><div><p>hello</p><a href='javascript:void(0)'>x</a></div></body></html>", "http://site.test/x.html"
    )
    assert classify(doc).kind == "other"
    assert doc.links == []


@pytest.mark.parametrize("path", [p for p in ARTICLES if "clicks_via" in EXPECTED[p]])
def test_counter_script_is_found_only_where_there_is_one(path, manifest):
    counter = article_for(path, manifest).counter_script
    if EXPECTED[path]["clicks_via"] == "script":
        assert counter.startswith("http://127.0.0.1:8000/plus/count.php?view=yes&aid=")
    else:
        assert counter is None


def test_pages_with_a_static_count_need_no_counter(manifest):
    assert article_for("/news/dfzt/1693.html", manifest).counter_script is None
