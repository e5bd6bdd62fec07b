"""A crawl against a misbehaving site: it keeps going, loses nothing, never
hammers the site and is never led off it.

Each test runs the real ``scrapy crawl`` against ``ReplayServer(routes=FaultSite())``
(see ``tests/faults.py``), starting at one scenario's list, which links to
good articles and to pages that misbehave. Every test checks the fault's
handling in the stats, the log and the server's request log, and that every
good article is exported exactly once all the same.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import scrapy
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from parknews import settings as project_settings
from parknews.offsite import HostAndPortOffsiteMiddleware
from parknews.replay import REPLAY_SETTINGS, ReplayServer, crawl_command
from parknews.spiders.parknews import ParknewsSpider
from tests.conftest import ROOT, CrawlResult
from tests.faults import (
    HOSTILE_LINKS,
    HUGE_SIZE,
    LONG_LINE_SIZE,
    NEVER_REQUESTED,
    ROUTES,
    SCENARIOS,
    FaultSite,
    list_path,
    routes,
)

#: What the fault tests tighten (never relax): a low timeout, so the slow page
#: costs seconds. Retries stay the project's.
FAULT_SETTINGS = ("-s", "DOWNLOAD_TIMEOUT=1")
RETRIES = project_settings.RETRY_TIMES
BASE_USER_AGENT = project_settings.USER_AGENT

_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[(?P<logger>[^\]]+)\] (?P<level>[A-Z]+): ")


@pytest.fixture
def faulty():
    """A fresh server per test: the 503 counters start from zero."""
    with ReplayServer(routes=FaultSite()) as server:
        yield server


def run(crawl, server: ReplayServer, *scenarios: str, extra: tuple[str, ...] = ()) -> CrawlResult:
    starts = ",".join(server.url + list_path(s).lstrip("/") for s in scenarios)
    return crawl(starts, *FAULT_SETTINGS, *extra)


def hits(server: ReplayServer, path: str) -> int:
    """Requests for ``path`` (any query) the server received."""
    return sum(1 for p in server.requests if urlsplit(p).path == path)


def records(log: str, text: str) -> list[str]:
    """Log records (not the stats dump) that mention ``text``."""
    return [line for line in log.splitlines() if _RECORD.match(line) and text in line]


def url_of(server: ReplayServer, path: str) -> str:
    return server.url + path.lstrip("/")


def assert_good_articles_once(result: CrawlResult, *scenarios: str) -> None:
    assert result.code == 0, result.log[-3000:]
    want = {r.path: r for s in scenarios for r in routes(s) if r.exported}
    paths = [urlsplit(item["url"]).path for item in result.items]
    assert sorted(paths) == sorted(want)  # each one, once
    for item in result.items:
        route = want[urlsplit(item["url"]).path]
        got = (item["title"], item["published"], item["clicks"], item["source"], item["category"])
        assert got == (route.title, route.published, route.clicks, route.source, route.category), route.path
        body = item["body"]
        positions = [body.index(p) for p in route.paragraphs]
        assert positions == sorted(positions) and len(body.splitlines()) == 3, (route.path, body)
    assert result.stats["item_scraped_count"] == len(want)
    assert not [k for k in result.stats if k.startswith("spider_exceptions")], result.log[-3000:]
    assert "Traceback" not in result.log


# ------------------------------------------------------------------ faults
def test_503_twice_then_200_is_retried_and_exported_once(faulty, crawl):
    result = run(crawl, faulty, "flaky")
    assert_good_articles_once(result, "flaky")
    [flaky] = routes("flaky", "503-twice")
    assert hits(faulty, flaky.path) == 3
    stats = result.stats
    assert stats["downloader/response_status_count/503"] == 2
    assert stats["retry/count"] == 2
    assert stats["retry/reason_count/503 Service Unavailable"] == 2
    assert "retry/max_reached" not in stats
    assert "log_count/ERROR" not in stats


def test_404_and_410_are_logged_once_and_never_retried(faulty, crawl):
    result = run(crawl, faulty, "gone")
    assert_good_articles_once(result, "gone")
    stats = result.stats
    for route in routes("gone", "404", "410"):
        status = route.fault
        assert hits(faulty, route.path) == 1
        assert stats[f"downloader/response_status_count/{status}"] == 1
        url = url_of(faulty, route.path)
        assert records(result.log, url) == [
            next(line for line in result.log.splitlines() if f"ERROR: Could not fetch {url}: HTTP {status}" in line)
        ]
    assert "retry/count" not in stats
    assert stats["log_count/ERROR"] == 2


def test_reset_and_short_bodies_are_retried_then_given_up_by_url(faulty, crawl):
    result = run(crawl, faulty, "broken")
    assert_good_articles_once(result, "broken")
    stats = result.stats
    broken = routes("broken", "reset", "short")
    for route in broken:
        assert hits(faulty, route.path) == 1 + RETRIES
        url = url_of(faulty, route.path)
        assert records(result.log, f"ERROR: Gave up retrying <GET {url}> (failed {1 + RETRIES} times)")
        assert records(result.log, f"ERROR: Could not fetch {url}: ")
    assert stats["retry/count"] == RETRIES * len(broken)
    assert stats["retry/max_reached"] == len(broken)
    failures = sum(v for k, v in stats.items() if k.startswith("downloader/exception_type_count/"))
    assert failures == (1 + RETRIES) * len(broken)


def test_response_slower_than_the_timeout_is_given_up(faulty, crawl):
    result = run(crawl, faulty, "slow")
    assert_good_articles_once(result, "slow")
    [slow] = routes("slow", "slow")
    assert hits(faulty, slow.path) == 1 + RETRIES
    stats = result.stats
    assert stats["downloader/exception_type_count/scrapy.exceptions.DownloadTimeoutError"] == 1 + RETRIES
    assert stats["retry/max_reached"] == 1
    url = url_of(faulty, slow.path)
    assert records(result.log, f"ERROR: Could not fetch {url}: Getting {url} took longer than 1.0 seconds")
    # the whole crawl waited for the timeout, not for the stalled server
    assert stats["elapsed_time_seconds"] < 1 + RETRIES + 8


def test_redirect_loops_end(faulty, crawl):
    result = run(crawl, faulty, "redirect")
    assert_good_articles_once(result, "redirect")
    [loop] = routes("redirect", "loop")
    [endless] = routes("redirect", "endless")
    # A -> A?loop=1 -> A: the way back is a request already made, dropped by the duplicate filter.
    assert [p for p in faulty.requests if urlsplit(p).path == loop.path] == [loop.path, loop.path + "?loop=1"]
    assert result.stats["dupefilter/filtered"] == 1
    # A?hop=n -> A?hop=n+1 …: followed REDIRECT_MAX_TIMES times, then given up.
    limit = project_settings.REDIRECT_MAX_TIMES
    assert hits(faulty, endless.path) == 1 + limit
    last = url_of(faulty, f"{endless.path}?hop={limit}")
    assert records(result.log, f"ERROR: Could not fetch {last}: max redirections reached")
    assert result.stats["log_count/ERROR"] == 1


def test_oversized_responses_are_cut_and_warned(faulty, crawl):
    result = run(crawl, faulty, "huge")
    assert_good_articles_once(result, "huge")
    maxsize, warnsize = project_settings.DOWNLOAD_MAXSIZE, project_settings.DOWNLOAD_WARNSIZE
    assert warnsize < maxsize < HUGE_SIZE
    [declared] = routes("huge", "huge")
    [chunked] = routes("huge", "huge-chunked")
    # Content-Length says 20 MB: dropped before the body is read.
    url = url_of(faulty, declared.path)
    assert records(
        result.log,
        f"WARNING: Expected to receive {HUGE_SIZE} bytes which is larger than download max size ({maxsize}) "
        f"in request <GET {url}>",
    )
    # No length given: warned past the warn size, cut past the max size.
    url = url_of(faulty, chunked.path)
    assert records(result.log, f"larger than download warn size ({warnsize}) in request <GET {url}>")
    assert records(result.log, f"larger than download max size ({maxsize}) in request <GET {url}>")
    assert records(result.log, f"ERROR: Could not fetch {url}")
    stats = result.stats
    assert stats["downloader/exception_type_count/scrapy.exceptions.DownloadCancelledError"] == 2
    assert hits(faulty, declared.path) == hits(faulty, chunked.path) == 1  # not retried
    assert stats["downloader/response_bytes"] < 1_000_000  # neither body was kept


def test_pdf_and_jpeg_behind_article_links_are_not_parsed(faulty, crawl):
    result = run(crawl, faulty, "binary")
    assert_good_articles_once(result, "binary")
    binaries = routes("binary", "pdf", "jpeg", "pdf-untyped", "jpeg-as-html")
    stats = result.stats
    assert stats["parknews/pages/not_html"] == len(binaries)
    assert "parknews/pages/other" not in stats
    assert stats["parknews/pages"] == 1 + 2 + len(binaries)
    assert all(hits(faulty, r.path) == 1 for r in binaries)
    assert "log_count/ERROR" not in stats and "log_count/WARNING" not in stats


def test_malformed_html_is_extracted_as_far_as_it_goes(faulty, crawl):
    result = run(crawl, faulty, "malformed")
    # unclosed tags, a stray </html> mid-page, NUL bytes, invalid UTF-8 and a
    # 2 MB single line: every article comes out whole
    assert_good_articles_once(result, "malformed")
    by_number = {int(urlsplit(i["url"]).path.rsplit("/", 1)[1][:-5]): i for i in result.items}
    [long_line] = routes("malformed", "long-line")
    assert "AAAA" not in by_number[long_line.number]["body"]
    assert "__STATE__" not in by_number[long_line.number]["body"]
    assert result.stats["downloader/response_bytes"] > LONG_LINE_SIZE
    [nul] = routes("malformed", "nul")
    assert "\x00" not in by_number[nul.number]["body"] + by_number[nul.number]["title"]
    assert result.stats["parknews/pages/article"] == len(SCENARIOS["malformed"])


def test_hostile_and_offsite_links_are_never_requested(faulty, crawl):
    result = run(crawl, faulty, "links", extra=("-s", "LOG_LEVEL=DEBUG"))
    assert_good_articles_once(result, "links")
    lures = routes("links", "lure")
    assert len(lures) == len(HOSTILE_LINKS)
    assert all(hits(faulty, r.path) == 0 for r in lures)
    # robots.txt, the list and its two articles: nothing else was even scheduled
    assert result.stats["downloader/request_count"] == 4
    assert result.stats["scheduler/enqueued"] == 3
    assert "offsite/filtered" not in result.stats  # the spider never yields them
    # at DEBUG every request is logged, and so would be one the offsite middleware dropped
    assert [r.path for r in lures if r.path in result.log] == []


def test_the_same_host_on_another_port_is_another_site(crawl):
    """Two servers on 127.0.0.1: the site links and redirects to the other one's port."""
    with ReplayServer(routes=FaultSite()) as other, ReplayServer(routes=FaultSite(elsewhere=other.url)) as site:
        result = run(crawl, site, "offsite", extra=("-s", "LOG_LEVEL=DEBUG"))
        reached = list(other.requests)
    assert_good_articles_once(result, "offsite")
    assert reached == []  # not the link, not the redirect, not even its robots.txt
    [link] = routes("offsite", "elsewhere")
    [redirect] = routes("offsite", "redirect-elsewhere")
    assert hits(site, link.path) == 0  # the spider never yields it
    assert hits(site, redirect.path) == 1  # the offsite filter drops where it leads
    assert result.stats["offsite/filtered"] == 1
    assert "Filtered offsite request to '127.0.0.1'" in result.log


class HostsSpider(scrapy.Spider):
    name = "hosts"
    hosts = frozenset({"127.0.0.1:8000"})


class DomainsSpider(scrapy.Spider):
    name = "domains"
    allowed_domains = ("example.test",)


def offsite_filter(spidercls: type[scrapy.Spider]) -> HostAndPortOffsiteMiddleware:
    crawler = get_crawler(spidercls)
    crawler.spider = spidercls()
    return HostAndPortOffsiteMiddleware.from_crawler(crawler)


def test_offsite_filter_compares_host_and_port():
    middleware = offsite_filter(HostsSpider)
    middleware.process_request(Request("http://127.0.0.1:8000/news/1.html"))
    for elsewhere in ("http://127.0.0.1:9000/news/1.html", "http://127.0.0.1/news/1.html", "http://localhost:8000/"):
        with pytest.raises(IgnoreRequest, match="Filtered offsite request"):
            middleware.process_request(Request(elsewhere))
    middleware.process_request(Request("http://127.0.0.1:9000/", meta={"allow_offsite": True}))  # data: release


def test_offsite_filter_keeps_scrapys_rule_for_other_spiders():
    middleware = offsite_filter(DomainsSpider)
    middleware.process_request(Request("http://www.example.test:8080/"))
    with pytest.raises(IgnoreRequest):
        middleware.process_request(Request("http://example.org/"))


def test_robots_txt_disallowed_section_is_honoured(faulty, crawl):
    contact = "https://example.org/parknews"
    result = run(crawl, faulty, "robots", extra=("-s", f"PARKNEWS_CONTACT={contact}"))
    assert_good_articles_once(result, "robots")
    private = routes("robots", "private")
    assert all(hits(faulty, r.path) == 0 for r in private)
    assert hits(faulty, "/robots.txt") == 1
    stats = result.stats
    assert stats["robotstxt/forbidden"] == len(private)
    for route in private:
        url = url_of(faulty, route.path)
        assert records(result.log, f"INFO: Not fetched, disallowed by robots.txt: {url}")
    assert "log_count/ERROR" not in stats  # honoured as asked: nothing to alarm anyone
    # robots.txt first, and every request says who is crawling and how to reach them
    assert faulty.routes.seen[0][0] == "/robots.txt"
    assert {agent for _, agent in faulty.routes.seen} == {f"parknews/1.0 (park news archiver; +{contact})"}


def test_robots_disallowed_start_url_fails_the_run(faulty, crawl):
    [private] = routes("robots", "private")[:1]
    result = crawl(url_of(faulty, private.path), *FAULT_SETTINGS)
    assert result.code == 1
    assert hits(faulty, private.path) == 0
    assert result.items == []
    assert "Forbidden by robots.txt" in result.summary["failure"]


def test_every_fault_in_one_crawl(faulty, crawl):
    """All at once, as on a bad day of the live site: the rest still completes."""
    result = run(crawl, faulty, *SCENARIOS)
    assert_good_articles_once(result, *SCENARIOS)
    assert all(hits(faulty, r.path) == 0 for r in ROUTES.values() if r.fault in NEVER_REQUESTED)
    [flaky] = routes("flaky", "503-twice")
    assert hits(faulty, flaky.path) == 3


# -------------------------------------------------------------- politeness
POLITE = {
    "ROBOTSTXT_OBEY": True,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
    "AUTOTHROTTLE_ENABLED": True,
    "HTTPCACHE_ENABLED": False,
}


def finalised(**cmdline: object) -> Settings:
    """The settings a crawl runs with: the project's, -s values, then the spider's say."""
    settings = Settings()
    settings.setmodule("parknews.settings", priority="project")
    settings.setdict(cmdline, priority="cmdline")
    ParknewsSpider.update_settings(settings)
    return settings


def test_politeness_defaults_for_the_live_site():
    settings = finalised()
    for name, value in POLITE.items():
        assert settings[name] == value, name
    assert settings.getfloat("DOWNLOAD_DELAY") >= 1
    assert settings.getint("RETRY_TIMES") <= 3
    assert settings.getint("DOWNLOAD_WARNSIZE") < settings.getint("DOWNLOAD_MAXSIZE") < HUGE_SIZE
    assert settings["USER_AGENT"] == BASE_USER_AGENT == "parknews/1.0 (park news archiver)"


def test_politeness_is_overridable():
    relaxed = {
        "ROBOTSTXT_OBEY": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "AUTOTHROTTLE_ENABLED": False,
        "HTTPCACHE_ENABLED": True,
        "DOWNLOAD_DELAY": 0,
        "USER_AGENT": "mybot/2 (+https://example.org/)",
    }
    settings = finalised(**relaxed, PARKNEWS_CONTACT="mailto:ops@example.org")
    assert {name: settings[name] for name in relaxed} == relaxed


@pytest.mark.parametrize(
    ("cmdline", "agent"),
    [
        (
            {"PARKNEWS_CONTACT": "https://example.org/parknews"},
            "parknews/1.0 (park news archiver; +https://example.org/parknews)",
        ),
        ({"PARKNEWS_CONTACT": "mailto:ops@example.org"}, "parknews/1.0 (park news archiver; +mailto:ops@example.org)"),
        ({"PARKNEWS_CONTACT": ""}, "parknews/1.0 (park news archiver)"),
        ({"USER_AGENT": "mybot/2", "PARKNEWS_CONTACT": "https://example.org/"}, "mybot/2"),
    ],
)
def test_user_agent_carries_the_contact_unless_set(cmdline, agent):
    assert finalised(**cmdline)["USER_AGENT"] == agent


def test_replay_settings_are_the_one_relaxed_place(tmp_path):
    """Relaxed politeness lives in REPLAY_SETTINGS and nowhere else."""
    assert REPLAY_SETTINGS["DOWNLOAD_DELAY"] == "0" and REPLAY_SETTINGS["AUTOTHROTTLE_ENABLED"] == "False"
    cmd = crawl_command("http://127.0.0.1:9/", tmp_path / "o.jsonl", tmp_path / "s.sqlite")
    assert all(f"{n}={v}" in cmd for n, v in REPLAY_SETTINGS.items())
    relaxing = re.compile(
        r"(DOWNLOAD_DELAY=0[\"'\s,)]|AUTOTHROTTLE_ENABLED=False|ROBOTSTXT_OBEY=(False|0)|HTTPCACHE_ENABLED=(True|1))"
    )
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder in ("parknews", "tests")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path.name != Path(__file__).name
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if relaxing.search(line)
    ]
    assert offenders == []


# ---------------------------------------------------------- bad arguments
@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("-a", "limit=abc"), "limit: 'abc' is not a whole number >= 0"),
        (("-a", "limit=1.5"), "limit: '1.5' is not a whole number >= 0"),
        (("-s", "PARKNEWS_RENDER=sometimes"), "PARKNEWS_RENDER: 'sometimes' is not one of auto, never, always"),
        (
            ("-s", "PARKNEWS_CONTACT=ops@example.org"),
            "PARKNEWS_CONTACT: 'ops@example.org' is not an http://, https:// or mailto: address",
        ),
        (
            ("-a", "start_urls=javascript:alert(1)"),
            "start_urls: 'javascript:alert(1)' is not an http:// or https:// URL",
        ),
        (("-a", "start_urls=http://["), "start_urls: 'http://[' is not a valid URL (Invalid IPv6 URL)"),
        (
            ("-a", "start_urls=http://127.0.0.1:abc/"),
            "start_urls: 'http://127.0.0.1:abc/' has port 'abc', which is not a number from 1 to 65535",
        ),
        (
            ("-a", "start_urls=http://127.0.0.1:70000/"),
            "start_urls: 'http://127.0.0.1:70000/' has port '70000', which is not a number from 1 to 65535",
        ),
        (("-a", "start_urls=http:///news/"), "start_urls: 'http:///news/' has no host name"),
        (("-a", "limt=3"), "unknown spider argument 'limt' (known: full, limit, refresh_clicks, site, start_urls)"),
        (("-a", "refresh_clicks=maybe"), "refresh_clicks: 'maybe' is not one of 1, 0, true, false, yes, no"),
        (("-s", "PARKNEWS_LIMIT=many"), "PARKNEWS_LIMIT: 'many' is not a whole number >= 0"),
        (("-s", "PARKNEWS_MAX_LIST_PAGES=0"), "PARKNEWS_MAX_LIST_PAGES: '0' is not a whole number >= 1"),
    ],
)
def test_bad_arguments_stop_before_any_request(faulty, crawl, extra, message):
    result = crawl(url_of(faulty, list_path("links")), *extra)
    assert result.code == 2
    assert result.log.strip().splitlines() == [f"parknews: error: {message}"]
    assert faulty.requests == []
    assert not result.out.exists()
