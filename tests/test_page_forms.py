"""The forms real sites show their pages in, each on a page written for it
(``tests/forms/``): read without the engine, field by field, and crawled
where the form decides what the spider does."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from scrapy.http import HtmlResponse, Request

from parknews.middlewares import CharsetFixMiddleware
from parknews.pages import Document, HubPage, classify
from parknews.replay import ReplayServer, load_manifest

FORMS = Path(__file__).resolve().parent / "forms"
MANIFEST = load_manifest(FORMS)["pages"]
EXPECTED = json.loads((FORMS / "expected.json").read_text("utf-8"))
ARTICLES = sorted(p for p, e in EXPECTED.items() if e["kind"] == "article")
LISTS = sorted(p for p, e in EXPECTED.items() if e["kind"] == "list")
#: What no article's text holds on these pages: the chrome around it.
CHROME = (
    "分享到",
    "版权所有",
    "免责声明",
    "点击数",
    "标签",
    "赞 12",
    "返回首页",
    "查看组图",
    "[1]",
    "下一页",
    "【园区快讯】",
)
BASE = "http://127.0.0.1:8000"


def page_for(path: str):
    """The page as the spider reads it: replayed headers, charset fixed, classified."""
    entry = MANIFEST[path]
    request = Request(BASE + path)
    response = HtmlResponse(
        request.url, headers=entry["headers"], body=(FORMS / entry["file"]).read_bytes(), request=request
    )
    return classify(Document.from_response(CharsetFixMiddleware().process_response(request, response)))


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_each_form_is_read_as_its_kind(path):
    assert page_for(path).kind == EXPECTED[path]["kind"], EXPECTED[path]["form"]


@pytest.mark.parametrize("path", ARTICLES)
def test_article_fields_in_each_form(path):
    want = EXPECTED[path]
    item = page_for(path).to_item()
    got = (item.title, (item.published or "")[:10] or None, item.clicks, item.source, item.category)
    assert got == (want["title"], want["published"], want["clicks"], want["source"], want["category"]), want["form"]


@pytest.mark.parametrize("path", ARTICLES)
def test_article_text_in_each_form_without_its_chrome(path):
    want = EXPECTED[path]
    body = page_for(path).to_item().body
    starts = [want["body_start"], *want.get("accept", {}).get("body_start", [])]
    assert any(body.startswith(s) for s in starts), body[:60]
    assert body.endswith(want["body_end"]), body[-60:]
    assert [c for c in CHROME if c in body] == []
    assert "\ufffd" not in body and not re.search("[åæäç][\u0080-\u00ff]", body)  # no mojibake left


@pytest.mark.parametrize("path", LISTS)
def test_list_links_by_structure_not_by_url_digits(path):
    want = EXPECTED[path]
    page = page_for(path)
    assert [urlsplit(link.url).path for link in page.article_links] == want["articles"]
    nxt = page.next_page
    assert (urlsplit(nxt.url).path if nxt else None) == want["next"]


def test_a_list_whose_title_names_the_news_centre_is_no_news_centre():
    page = page_for("/news/zsdt/")
    assert page.kind == "list"
    assert not HubPage(page.document, page).is_news_centre


# ------------------------------------------------------------- crawled
@pytest.fixture(scope="module")
def forms_site():
    with ReplayServer(FORMS) as server:
        yield server


def _requested(server: ReplayServer) -> list[str]:
    return [p for p in server.requests if p != "/robots.txt"]


def test_a_list_start_url_walks_its_articles_and_pages_never_the_navigation(forms_site, crawl):
    forms_site.requests.clear()
    result = crawl(forms_site.url + "news/zsdt/")
    want = {"/news/zsdt/", *EXPECTED["/news/zsdt/"]["articles"]}
    assert set(_requested(forms_site)) == want  # not /, /news/ or /service/ of its menu
    assert result.stats["parknews/pages/list"] == 1


def test_a_list_of_slug_links_is_followed(forms_site, crawl):
    forms_site.requests.clear()
    crawl(forms_site.url + "news/yuanqu-zhaoshang/")
    want = EXPECTED["/news/yuanqu-zhaoshang/"]
    assert set(_requested(forms_site)) == {"/news/yuanqu-zhaoshang/", *want["articles"], want["next"]}


def test_a_start_url_that_is_neither_article_nor_list_says_so(forms_site, crawl):
    url = forms_site.url + "search/"
    result = crawl(url)
    assert result.items == []
    assert f"WARNING: Start URL {url} is neither an article, a list nor a hub: nothing to export" in result.log
