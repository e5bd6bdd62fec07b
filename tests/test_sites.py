"""Site profiles (``sites.toml``): read and checked before any request, and
several sites crawled in one run — each item naming its site, politeness
per host, a copy on one site exported as the other's article it cites, and
each site's checks on its own."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from scrapy.settings import Settings

from parknews import settings as project_settings
from parknews.config import ConfigError, ParknewsConfig
from parknews.replay import FIXTURES, ReplayServer, load_manifest
from parknews.sites import for_start_urls, load_sites, select_sites, site_slots
from parknews.spiders.parknews import ParknewsSpider
from tests.conftest import ROOT
from tests.test_schedule import hide_titles

FORMS = Path(__file__).resolve().parent / "forms"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text("utf-8"))
UNIQUE = {e["url_path"] for e in EXPECTED.values() if e["kind"] == "article" and not e.get("duplicate_of")}
FORM_ARTICLES = sorted(
    p for p, e in json.loads((FORMS / "expected.json").read_text("utf-8")).items() if e["kind"] == "article"
)
#: The fixture article the local site re-publishes, citing the park site as its source.
ORIGINAL = "/news/zcjd/1795.html"
COPY = "/copy/1795.html"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sites.toml"
    path.write_text(text, "utf-8")
    return path


def test_the_shipped_profile_is_the_default_site():
    profiles = load_sites(ROOT / "sites.toml")
    (site,) = select_sites(profiles, project_settings.PARKNEWS_SITE)
    assert site.name == "ciipa"
    assert {"www.ciipa.net", "ciipa.net"} <= site.hosts
    assert site.coverage == {"title": 0.95, "published": 0.95, "body": 0.95, "clicks": 0.8}


def test_a_site_is_two_lines(tmp_path):
    path = write(tmp_path, '[[site]]\nname = "gaoxin"\nstart_urls = ["https://127.0.0.4/yqdt/"]\n')
    site = load_sites(path)["gaoxin"]
    assert site.start_urls == ("https://127.0.0.4/yqdt/",)
    assert site.hosts == {"127.0.0.4"}
    assert site.coverage == {"title": 0.95, "published": 0.95, "body": 0.95}  # no click count expected


SITE = '[[site]]\nname = "a"\nstart_urls = ["http://127.0.0.1/"]\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('name = "a"\n', ":1: unknown key 'name' (a site is a [[site]] table)"),
        (SITE + "dealy = 2\n", ":4: unknown key 'dealy' (known: concurrency, coverage, delay,"),
        ('[[site]]\nname = "a"\n', ":1: site 'a' has no start_urls (a list of http(s) URLs)"),
        (SITE.replace("http://127.0.0.1/", "ftp://127.0.0.1/"), ":3: site 'a': start URL 'ftp://127.0.0.1/' is not"),
        (SITE.replace("http://127.0.0.1/", "http://127.0.0.1:99999/"), ":3: site 'a': start URL"),
        (SITE + "coverage = { clics = 0.5 }\n", ":4: unknown field 'clics' in coverage (known: title, published,"),
        (SITE + "coverage = { title = 1.5 }\n", ":4: coverage title = 1.5 is not a share from 0 to 1"),
        (SITE + 'include = ["("]\n', ":4: include pattern '(' is not a regular expression"),
        (SITE + 'hosts = ["http://127.0.0.2/"]\n', ":4: site 'a': 'http://127.0.0.2/' is not a host name"),
        (SITE + "delay = -1\n", ":4: delay = -1 is not a number"),
        (SITE + "concurrency = 0.5\n", ":4: concurrency = 0.5 is not a whole number"),
        (SITE + 'render = "sometimes"\n', ":4: render = 'sometimes' is not one of auto, never, always"),
        (SITE + "\n" + SITE, ":6: site 'a' is defined twice"),
        ('[[site]]\nname = "A b"\nstart_urls = ["http://127.0.0.1/"]\n', ":2: name 'A b' is not a short lowercase"),
        ('[[site]]\nname = "a\n', ":2: Illegal character '\\n' (at line 2, column 10)"),
        ("", ": no [[site]] table"),
    ],
)
def test_a_bad_profile_is_one_line_naming_file_line_and_key(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_sites(path)
    assert str(caught.value).startswith(f"{path}{message}")
    assert "\n" not in str(caught.value)


def test_site_names_choose_profiles_and_unknown_ones_list_the_known(tmp_path):
    path = write(tmp_path, SITE + SITE.replace('"a"', '"b"').replace("127.0.0.1", "127.0.0.2"))
    profiles = load_sites(path)
    assert [s.name for s in select_sites(profiles, "b,a")] == ["b", "a"]
    assert [s.name for s in select_sites(profiles, "all")] == ["a", "b"]
    with pytest.raises(ConfigError, match=r"^site: 'c' is not a known site \(known: a, b, or all\)$"):
        select_sites(profiles, "a,c")


def test_start_urls_on_a_profiles_host_are_that_site():
    profiles = load_sites(ROOT / "sites.toml")
    site = for_start_urls(profiles, ("https://ciipa.net/news/dfzt/",))
    assert (site.name, site.start_urls, site.coverage["clicks"]) == ("ciipa", ("https://ciipa.net/news/dfzt/",), 0.8)
    other = for_start_urls(profiles, ("http://127.0.0.1:8123/news/",))
    assert (other.name, other.hosts, "clicks" in other.coverage) == ("127.0.0.1:8123", {"127.0.0.1:8123"}, False)


def test_politeness_is_per_host_through_download_slots(tmp_path):
    path = write(
        tmp_path,
        SITE + 'hosts = ["127.0.0.3:8080"]\ndelay = 3\nconcurrency = 1\n'
        '[[site]]\nname = "b"\nstart_urls = ["http://127.0.0.2/"]\nhosts = ["127.0.0.3"]\ndelay = 1.5\n',
    )
    assert site_slots(load_sites(path)) == {
        "127.0.0.1": {"delay": 3.0, "concurrency": 1},
        "127.0.0.3": {"delay": 3.0, "concurrency": 1},  # the stricter of the two profiles naming it
        "127.0.0.2": {"delay": 1.5},
    }
    settings = Settings()
    settings.setmodule(project_settings)
    settings.set("PARKNEWS_SITES", str(path), priority="cmdline")
    settings.set("DOWNLOAD_SLOTS", {"127.0.0.2": {"delay": 9}}, priority="cmdline")
    ParknewsSpider.update_settings(settings)
    slots = settings.getdict("DOWNLOAD_SLOTS")
    assert slots["127.0.0.1"] == {"delay": 3.0, "concurrency": 1}
    assert slots["127.0.0.2"] == {"delay": 9}  # what the user set wins


def test_a_site_and_start_urls_together_are_refused():
    config = ParknewsConfig.from_settings(Settings(dict(vars(project_settings))))
    with pytest.raises(ConfigError, match="give -a site= or -a start_urls=, not both"):
        config.sites_for("http://127.0.0.1/", "ciipa")


# --- crawls -----------------------------------------------------------------


def local_site(root: Path) -> Path:
    """A local news site: the form pages, and a re-publication of a park site
    article naming the park site (园区梦工场) as its 来源."""
    shutil.copytree(FORMS, root)
    manifest = load_manifest(root)
    original = load_manifest(FIXTURES)["pages"][ORIGINAL]
    html = (FIXTURES / original["file"]).read_text("utf-8")
    source = EXPECTED[ORIGINAL]["source"]
    assert html.count(source) == 1
    (root / "site" / "copy.html").write_text(html.replace(source, "园区梦工场"), "utf-8")
    manifest["pages"][COPY] = {**original, "file": "site/copy.html"}
    (root / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    return root


@pytest.fixture
def park():
    with ReplayServer() as server:
        yield server


@pytest.fixture
def local(tmp_path):
    with ReplayServer(local_site(tmp_path / "local")) as server:
        yield server


@pytest.fixture
def profiles(tmp_path, park, local):
    """Both sites as profiles of a few lines: the local one's start URLs are its articles."""
    starts = ", ".join(f'"{local.url}{path.lstrip("/")}"' for path in [COPY, *FORM_ARTICLES])
    return write(
        tmp_path,
        f'[[site]]\nname = "park"\nstart_urls = ["{park.url}"]\nnames = ["园区梦工场"]\n\n'
        f'[[site]]\nname = "local"\nstart_urls = [{starts}]\ncoverage = {{ published = 0.5 }}\n',
    )


def by_site(items: list[dict]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for item in items:
        found.setdefault(item["site"], set()).add(urlsplit(item["url"])._replace(scheme="", netloc="").geturl())
    return found


def test_two_sites_in_one_run_each_article_once_with_its_site(crawl, tmp_path, profiles, park, local):
    result = crawl("", "-a", "site=all", "-s", f"PARKNEWS_SITES={profiles}")
    assert result.code == 0, result.log[-3000:]
    found = by_site(result.items)
    assert found == {"park": UNIQUE, "local": set(FORM_ARTICLES)}  # the copy is not exported …
    copy_url, original_url = local.url + COPY.lstrip("/"), park.url + ORIGINAL.lstrip("/")
    with sqlite3.connect(tmp_path / "state.sqlite") as db:  # … but recorded as a duplicate of the original
        assert db.execute("SELECT duplicate_of FROM articles WHERE url = ?", (copy_url,)).fetchone() == (original_url,)
    assert result.stats["parknews/copy_deferred"] == 1
    sites = result.summary["sites"]
    assert (sites["park"]["new"], sites["local"]["new"]) == (len(UNIQUE), len(FORM_ARTICLES))
    assert sites["local"]["duplicate"] == 1
    assert "Site local: " in result.log and "Site park: " in result.log


def test_the_copy_is_exported_when_the_site_it_cites_is_not_crawled(crawl, profiles, local):
    result = crawl("", "-a", "site=local", "-s", f"PARKNEWS_SITES={profiles}")
    assert result.code == 0, result.log[-3000:]
    assert by_site(result.items) == {"local": {COPY, *FORM_ARTICLES}}
    copy = next(i for i in result.items if i["url"].endswith(COPY))
    assert copy["source"] == "园区梦工场"


def test_the_site_whose_template_broke_is_named_and_the_other_still_exports(crawl, tmp_path, profiles, park):
    park.use(hide_titles(FIXTURES, tmp_path / "no-titles"))
    result = crawl("", "-a", "site=all", "-s", f"PARKNEWS_SITES={profiles}")
    assert result.code == 1
    failure = result.summary["failure"]
    assert f"on site 'park' over {len(UNIQUE)} articles: title in 0% of articles (needs 95%)" in failure
    assert "'local'" not in failure
    local_items = [i for i in result.items if i["site"] == "local"]
    # the copy too: without its title, the park site's original is no longer the same text
    assert by_site(local_items) == {"local": {COPY, *FORM_ARTICLES}}
    assert all(i["title"] for i in local_items)


def test_a_sites_sections_are_chosen_by_include_and_exclude(crawl, tmp_path, park):
    sites = write(
        tmp_path,
        f'[[site]]\nname = "park"\nstart_urls = ["{park.url}"]\ninclude = ["/news/(zcjd|yqdt)/"]\n'
        'exclude = ["/news/yqdt/17[0-4]", "^[^?]*/mirror/"]\n',
    )
    result = crawl("", "-s", f"PARKNEWS_SITES={sites}", "-s", "PARKNEWS_SITE=park")
    assert result.code == 0, result.log[-3000:]
    want = {p for p in UNIQUE if p.startswith("/news/zcjd/")}
    want |= {p for p in UNIQUE if p.startswith("/news/yqdt/") and not "/news/yqdt/170" <= p < "/news/yqdt/175"}
    assert by_site(result.items)["park"] == want
    assert not any(p.startswith("/news/dfzt/") for p in park.requests)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ("-s", "PARKNEWS_SITES={bad}"),
            "{bad}:4: unknown key 'dealy' (known: concurrency, coverage, delay, exclude, hosts, include, "
            "name, names, render, script, start_urls)",
        ),
        (
            ("-a", "site=nope", "-s", "PARKNEWS_SITES={good}"),
            "site: 'nope' is not a known site (known: park, local, or all)",
        ),
        (("-s", "PARKNEWS_SITES={missing}"), "PARKNEWS_SITES: '{missing}' does not exist: no site profiles to crawl"),
    ],
)
def test_bad_sites_stop_before_any_request(crawl, tmp_path, profiles, park, local, extra, message):
    bad = tmp_path / "bad.toml"
    bad.write_text(SITE + "dealy = 2\n", "utf-8")
    paths = {"bad": bad, "good": profiles, "missing": tmp_path / "none.toml"}
    result = crawl("", *(part.format(**paths) for part in extra))
    assert result.code == 2
    assert result.log.strip().splitlines() == [f"parknews: error: {message.format(**paths)}"]
    assert park.requests == [] and local.requests == []
