"""Crawl traps end: each run of ``scrapy crawl`` against ``ReplayServer(routes=TrapSite())``
(``tests/traps.py``) finishes, asks for a bounded number of pages, stays small,
and exports the articles the trap really holds, once."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from parknews.replay import ReplayServer
from parknews.selflinks import is_counter_variant
from tests.traps import (
    PREFIX,
    SAME_PATH_ARTICLES,
    SELF_LINKS,
    TrapSite,
    calendar_articles,
    samepath_articles,
    selflinks_articles,
    variants_articles,
)

#: What a crawl of a few dozen pages may take, Python and Scrapy included; a
#: walk that kept every variant it met grew past a gigabyte.
MAX_RSS = 400 * 1024 * 1024


@pytest.fixture
def traps():
    with ReplayServer(routes=TrapSite()) as server:
        yield server


def exported(result) -> list[str]:
    return sorted(
        urlsplit(item["url"]).path + (f"?{q}" if (q := urlsplit(item["url"]).query) else "") for item in result.items
    )


def list_requests(server: ReplayServer, scenario: str) -> list[str]:
    return [p for p in server.requests if urlsplit(p).path == f"{PREFIX}{scenario}/"]


def assert_ended_well(result) -> None:
    assert result.code == 0, result.log[-3000:]
    assert "Traceback" not in result.log
    assert 0 < result.stats["memusage/max"] < MAX_RSS


def test_an_endless_calendar_repeating_its_articles_ends_at_the_first_page_with_nothing_new(traps, crawl):
    result = crawl(traps.url + "_trap/calendar/")
    assert_ended_well(result)
    assert exported(result) == sorted(calendar_articles())
    assert list_requests(traps, "calendar") == [f"{PREFIX}calendar/", f"{PREFIX}calendar/?d=1"]
    assert result.stats["parknews/walks/no_new_links"] == 1
    assert f"shows no article link its walk had not shown: list {traps.url}_trap/calendar/ ends" in result.log


def test_a_list_without_end_stops_at_the_page_limit_naming_the_list(traps, crawl):
    result = crawl(traps.url + "_trap/variants/", "-s", "PARKNEWS_MAX_LIST_PAGES=7")
    assert_ended_well(result)
    assert exported(result) == sorted(variants_articles(7))
    pages = list_requests(traps, "variants")
    assert len(pages) == 7 and len(set(pages)) == 7
    assert result.stats["parknews/walks/capped"] == 1
    warnings = [line for line in result.log.splitlines() if "WARNING" in line and "PARKNEWS_MAX_LIST_PAGES" in line]
    assert len(warnings) == 1
    assert f"List {traps.url}_trap/variants/: walk stopped after 7 pages (PARKNEWS_MAX_LIST_PAGES)" in warnings[0]
    # and the next run goes on from there, to the same bound: the first page, the last one done, five more
    traps.requests.clear()
    again = crawl(traps.url + "_trap/variants/", "-s", "PARKNEWS_MAX_LIST_PAGES=7")
    assert_ended_well(again)
    assert exported(again) == sorted(set(variants_articles(12)) - set(variants_articles(7)))
    assert [urlsplit(p).query.partition("&")[0] for p in list_requests(traps, "variants")] == [
        "",
        *(f"p={n}" for n in range(7, 13)),
    ]


def test_thousands_of_links_from_a_list_to_itself_with_only_a_counter_changed_are_not_followed(traps, crawl):
    result = crawl(traps.url + "_trap/selflinks/")
    assert_ended_well(result)
    assert exported(result) == sorted(selflinks_articles())
    variants = [p for p in list_requests(traps, "selflinks") if urlsplit(p).query]
    assert len(variants) == 1  # the one probe
    assert result.stats["parknews/self_links"] == SELF_LINKS
    assert f"List page {traps.url}_trap/selflinks/ links to {SELF_LINKS} copies of itself" in result.log
    # the walk was recorded: the next run reads the list once and asks for nothing else
    traps.requests.clear()
    again = crawl(traps.url + "_trap/selflinks/")
    assert_ended_well(again)
    assert again.items == []
    assert [p for p in traps.requests if p != "/robots.txt"] == [f"{PREFIX}selflinks/"]


def test_articles_served_at_the_lists_own_path_are_all_fetched(traps, crawl):
    result = crawl(traps.url + "_trap/samepath/")
    assert_ended_well(result)
    assert exported(result) == sorted(samepath_articles())
    assert len(result.items) == SAME_PATH_ARTICLES
    assert "parknews/self_links" not in result.stats


@pytest.mark.parametrize(
    ("url", "page", "variant"),
    [
        ("http://h/list/?id=7", "http://h/list/", True),
        ("http://h/list/?page=3", "http://h/list/?page=2", True),
        ("http://h/list/?cat=4&page=3", "http://h/list/?cat=4", True),
        ("http://h/list/?cat=5", "http://h/list/?cat=4", True),
        ("http://h/list/?cat=news", "http://h/list/", False),
        ("http://h/list/?a=show&id=3", "http://h/list/?a=lists", False),
        ("http://h/list/7.html", "http://h/list/", False),
        ("http://h:81/list/?id=7", "http://h/list/", False),
        ("http://h/list/", "http://h/list/", False),
    ],
)
def test_counter_variants_are_the_same_address_with_only_numbers_changed(url, page, variant):
    assert is_counter_variant(url, page) is variant


def distributed(redis_server) -> tuple[str, ...]:
    """One worker of a distributed crawl: its walk's progress rides in its requests."""
    return ("-s", f"PARKNEWS_REDIS_URL={redis_server.url}", "-s", "PARKNEWS_WORKER=w1", "-s", "PARKNEWS_RENDER=never")


def test_a_distributed_walk_of_an_endless_calendar_ends_at_the_page_repeating_the_one_before(
    traps, crawl, redis_server, tmp_path
):
    result = crawl(traps.url + "_trap/calendar/", *distributed(redis_server))
    assert result.code == 0, result.log[-3000:]
    assert "Traceback" not in result.log
    assert exported(result) == sorted(calendar_articles())
    assert list_requests(traps, "calendar") == [f"{PREFIX}calendar/", f"{PREFIX}calendar/?d=1"]
    stats = json.loads((tmp_path / "last-run-w1.json").read_text("utf-8"))["stats"]
    assert stats["parknews/walks/no_new_links"] == 1


def test_a_distributed_walk_of_a_list_without_end_stops_at_the_page_limit_naming_the_list(
    traps, crawl, redis_server, tmp_path
):
    result = crawl(traps.url + "_trap/variants/", "-s", "PARKNEWS_MAX_LIST_PAGES=7", *distributed(redis_server))
    assert result.code == 0, result.log[-3000:]
    assert exported(result) == sorted(variants_articles(7))
    pages = list_requests(traps, "variants")
    assert len(pages) == 7 and len(set(pages)) == 7
    warnings = [line for line in result.log.splitlines() if "WARNING" in line and "PARKNEWS_MAX_LIST_PAGES" in line]
    assert len(warnings) == 1
    assert f"List {traps.url}_trap/variants/" in warnings[0]
    assert json.loads((tmp_path / "last-run-w1.json").read_text("utf-8"))["stats"]["parknews/walks/capped"] == 1
