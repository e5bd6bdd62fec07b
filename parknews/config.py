"""Project settings and spider arguments, validated once.

Every ``PARKNEWS_*`` setting is read here and nowhere else, so a bad value is
reported before the first request, with the value and the allowed ones named,
instead of surfacing as a traceback half-way through a crawl.

The project's own relative paths (state, output, summary, as ``settings.py``
gives them) are taken from the project root, the directory of ``scrapy.cfg``,
so a run started from any directory of the project uses the same state, lock
and output. A path given with ``-s`` means what it means in the shell.
"""

from __future__ import annotations

import math
import os
import re
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.utils.conf import closest_scrapy_cfg

from parknews.exceptions import ConfigError
from parknews.pages.urls import crawl_problem
from parknews.shared import per_crawler
from parknews.sites import RENDER_MODES, Site, for_start_urls, load_sites, select_sites
from parknews.text import SCRIPTS

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings


#: ``-a NAME=VALUE`` spider arguments: the setting each one stands for (None:
#: an argument of the spider itself).
SPIDER_ARGUMENTS: dict[str, str | None] = {
    "start_urls": None,
    "site": None,
    "limit": "PARKNEWS_LIMIT",
    "full": "PARKNEWS_FULL",
    "refresh_clicks": "PARKNEWS_REFRESH_CLICKS",
}
#: Arguments that tools running spiders add on their own: scrapyd's job id.
_TOOL_ARGUMENTS = frozenset({"_job"})


@dataclass(frozen=True)
class ParknewsConfig:
    #: ``PARKNEWS_START_URLS``: an ad-hoc site instead of ``PARKNEWS_SITE``'s profiles (empty: none)
    start_urls: tuple[str, ...]
    state_path: Path
    script: str
    #: the profiles of ``PARKNEWS_SITES`` by name (None: no such file)
    profiles: dict[str, Site] | None = None
    #: the profiles' file, for messages
    sites_path: Path | None = None
    #: ``PARKNEWS_SITE``: the profiles crawled when no ``-a site=`` or start URLs are given
    site: str = ""
    #: walk every list page and fetch every article (still export only new or changed ones)
    full: bool = False
    #: re-read known articles and export those whose click count changed
    refresh_clicks: bool = False
    #: how the site's admins reach whoever runs the crawl (in the User-Agent)
    contact: str = ""
    #: ``auto``: render in a browser the articles whose click count only JavaScript shows
    render: str = "auto"
    #: seconds to wait in a rendered page for the click count to appear
    render_timeout: float = 5.0
    #: the Chromium binary to drive ("" = a system Chromium on PATH)
    chromium: str = ""
    #: the output file when no -o/-O/FEEDS is given ("" = none)
    output: str = ""
    #: machine-readable summary of the last run ("" = none)
    summary_path: Path | None = None
    #: seconds a fetched robots.txt is reused by later runs (0: never)
    robots_ttl: float = 86400.0
    #: field coverage is judged only over runs with at least this many articles
    coverage_min_articles: int = 5
    #: export at most this many articles (0: no limit)
    limit: int = 0
    #: list pages one walk reads in a run, at most
    max_list_pages: int = 300
    #: ``PARKNEWS_REDIS_URL``: the Redis server of the distributed mode ("" = single machine, SQLite)
    redis_url: str = ""
    #: ``PARKNEWS_WORKER``: this process's name among the workers of a distributed crawl
    worker: str = ""
    #: ``PARKNEWS_LEASE_TIMEOUT``: seconds a worker's heartbeat may be missing before its requests are re-queued
    lease_timeout: float = 30.0

    @property
    def distributed(self) -> bool:
        """Whether the crawl is shared with other workers through Redis."""
        return bool(self.redis_url)

    @property
    def redis_shown(self) -> str:
        """``PARKNEWS_REDIS_URL`` as logs and errors name it: its password, if any, as ``***``."""
        parts = urlsplit(self.redis_url)
        if parts.password is None:
            return self.redis_url
        netloc = f"{parts.username or ''}:***@{parts.netloc.rpartition('@')[2]}"
        return parts._replace(netloc=netloc).geturl()

    @property
    def lock_path(self) -> Path:
        """The run lock lives next to the state it protects, the file itself:
        a state reached through a symlink and by its real path has one lock.
        In distributed mode many workers share one state, so each worker id
        has a lock of its own."""
        real = self.state_path.resolve()
        if self.distributed:
            return real.with_name(f"{real.name}.{self.worker}.lock")
        return real.with_name(real.name + ".lock")

    def sites_for(self, start_urls: str | None = None, site: str | None = None) -> tuple[Site, ...]:
        """The sites of a run: ``-a start_urls=`` (one site: the profile holding
        its hosts, else an ad-hoc one), ``-a site=``, else the settings' choice."""
        if start_urls is not None and site is not None:
            raise ConfigError("give -a site= or -a start_urls=, not both")
        urls = parse_start_urls(start_urls) if start_urls is not None else self.start_urls
        if urls and site is None:
            chosen: tuple[Site, ...] = (for_start_urls(self.profiles or {}, urls),)
        elif self.profiles is None:
            raise ConfigError(f"PARKNEWS_SITES: {str(self.sites_path)!r} does not exist: no site profiles to crawl")
        else:
            chosen = select_sites(self.profiles, site if site is not None else self.site)
        return tuple(s.with_defaults(self.render, self.script) for s in chosen)

    @property
    def may_render(self) -> bool:
        """Whether a browser may be needed: by the project's ``render``, or by a profile's own."""
        renders = [self.render, *(s.render for s in (self.profiles or {}).values() if s.render)]
        return any(mode != "never" for mode in renders)

    @property
    def sites(self) -> tuple[Site, ...]:
        """The sites the settings alone choose."""
        return self.sites_for()

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> ParknewsConfig:
        script = _choice(settings, "PARKNEWS_SCRIPT", SCRIPTS)
        render = _choice(settings, "PARKNEWS_RENDER", RENDER_MODES)
        sites_path = _project_path(settings, "PARKNEWS_SITES")
        profiles = None
        if sites_path is not None and sites_path.exists():
            profiles = load_sites(sites_path)
        urls = settings.getlist("PARKNEWS_START_URLS")
        return cls(
            start_urls=parse_start_urls(urls) if urls else (),
            profiles=profiles,
            sites_path=sites_path,
            site=str(settings.get("PARKNEWS_SITE") or "").strip(),
            state_path=_project_path(settings, "PARKNEWS_STATE") or project_root() / ".parknews/state.sqlite",
            script=script,
            full=parse_flag("PARKNEWS_FULL", settings.get("PARKNEWS_FULL", False)),
            refresh_clicks=parse_flag("PARKNEWS_REFRESH_CLICKS", settings.get("PARKNEWS_REFRESH_CLICKS", False)),
            contact=parse_contact(settings.get("PARKNEWS_CONTACT", "")),
            render=render,
            render_timeout=_seconds(settings, "PARKNEWS_RENDER_TIMEOUT"),
            chromium=str(settings.get("PARKNEWS_CHROMIUM") or "").strip(),
            output=str(_project_path(settings, "PARKNEWS_OUTPUT") or ""),
            summary_path=_project_path(settings, "PARKNEWS_SUMMARY"),
            robots_ttl=_number(settings, "PARKNEWS_ROBOTS_TTL", 86400.0),
            coverage_min_articles=int(_number(settings, "PARKNEWS_COVERAGE_MIN_ARTICLES", 5)),
            limit=parse_limit(settings.get("PARKNEWS_LIMIT") or 0, "PARKNEWS_LIMIT"),
            max_list_pages=_count(settings, "PARKNEWS_MAX_LIST_PAGES", 300),
            redis_url=parse_redis_url(settings.get("PARKNEWS_REDIS_URL", "")),
            worker=parse_worker(settings.get("PARKNEWS_WORKER", "")),
            lease_timeout=_lease_timeout(settings),
        )

    def __post_init__(self) -> None:
        if not self.distributed:
            return
        # Many workers, many files: each worker's name goes into its own output and summary,
        # so workers on one machine never replace each other's.
        if self.output and "%(worker)s" not in self.output:
            path = Path(self.output)
            object.__setattr__(self, "output", str(path.with_name(f"{path.stem}-%(worker)s{path.suffix}")))
        summary = self.summary_path
        if summary is not None and not summary.stem.endswith(f"-{self.worker}"):
            object.__setattr__(self, "summary_path", summary.with_name(f"{summary.stem}-{self.worker}{summary.suffix}"))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ParknewsConfig:
        """The crawler's config, parsed on first use and shared by every component."""
        return per_crawler(crawler, _config_of)


def project_root() -> Path:
    """The directory of the project's ``scrapy.cfg``, found as Scrapy finds it
    (from the current directory upwards); outside a project, the current directory."""
    cfg = closest_scrapy_cfg()
    return Path(cfg).parent if cfg else Path.cwd()


def _project_path(settings: BaseSettings, name: str) -> Path | None:
    """A path setting: relative to the project root when it comes from the
    project's settings, as given when it comes from the command line; None when empty."""
    value = str(settings.get(name) or "").strip()
    if not value:
        return None
    path = Path(value)
    if path.is_absolute() or (settings.getpriority(name) or 0) > SETTINGS_PRIORITIES["project"]:
        return path
    return project_root() / path


def settings_from_arguments(arguments: dict[str, str]) -> dict[str, object]:
    """Check ``-a`` spider arguments; return the settings they stand for.

    An unknown name is an error rather than a silently ignored attribute:
    ``-a limt=3`` would otherwise run a full crawl.
    """
    settings: dict[str, object] = {}
    for name, value in arguments.items():
        if name in _TOOL_ARGUMENTS:
            continue
        if name not in SPIDER_ARGUMENTS:
            known = ", ".join(sorted(SPIDER_ARGUMENTS))
            raise ConfigError(f"unknown spider argument {name!r} (known: {known})")
        if name == "start_urls":
            parse_start_urls(value)
        elif name == "site":
            continue  # checked against the profiles, by ParknewsConfig.sites_for
        elif name == "limit":
            settings["PARKNEWS_LIMIT"] = parse_limit(value)
        else:
            settings[str(SPIDER_ARGUMENTS[name])] = parse_flag(name, value)
    return settings


def parse_start_urls(value: str | list[str]) -> tuple[str, ...]:
    """Accept ``URL[,URL…]`` (the ``-a`` form) or a list (the setting form)."""
    items = value.split(",") if isinstance(value, str) else list(value)
    urls = tuple(u.strip() for u in items if u and u.strip())
    if not urls:
        raise ConfigError("start_urls: no URL given")
    for url in urls:
        problem = crawl_problem(url)
        if problem:
            raise ConfigError(f"start_urls: {url!r} {problem}")
    return urls


def parse_limit(value: str | int, name: str = "limit") -> int:
    """``-a limit=N``: export at most N articles; 0 means no limit, like Scrapy's
    ``CLOSESPIDER_ITEMCOUNT``."""
    text = str(value).strip()
    if not text.isdigit():
        raise ConfigError(f"{name}: {value!r} is not a whole number >= 0")
    return int(text)


def parse_contact(value: object) -> str:
    """``PARKNEWS_CONTACT`` goes into the User-Agent header: one printable ASCII
    token that a site's admin can follow, or nothing."""
    text = str(value or "").strip()
    if not text:
        return ""
    try:
        parts = urlsplit(text)
        usable = (parts.scheme in ("http", "https") and bool(parts.hostname)) or (
            parts.scheme == "mailto" and "@" in parts.path
        )
    except ValueError:  # "http://[" and other unparseable hosts
        usable = False
    if not usable or not text.isascii() or not text.isprintable() or any(c in text for c in " ()"):
        raise ConfigError(f"PARKNEWS_CONTACT: {text!r} is not an http://, https:// or mailto: address")
    return text


_REDIS_SCHEMES = ("redis", "rediss", "unix")
_WORKER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def parse_redis_url(value: object) -> str:
    """``PARKNEWS_REDIS_URL``: ``redis://host[:port][/db]``, ``rediss://…`` or
    ``unix:///path/to/socket``; empty keeps the single-machine crawl."""
    text = str(value or "").strip()
    if not text:
        return ""
    try:
        parts = urlsplit(text)
        port = parts.port  # raises on a port that is no number
        usable = parts.scheme in _REDIS_SCHEMES and (
            bool(parts.path) if parts.scheme == "unix" else bool(parts.hostname)
        )
        if usable and parts.scheme != "unix":
            db = parts.path.strip("/")
            usable = (not db or db.isdigit()) and (port is None or 0 < port < 65536)
    except ValueError:
        usable = False
    if not usable:
        raise ConfigError(
            f"PARKNEWS_REDIS_URL: {text!r} is not a redis://host[:port][/db], rediss://… or unix:///path URL"
        )
    return text


def parse_worker(value: object) -> str:
    """``PARKNEWS_WORKER``: a short token (letters, digits, ``-_.``) naming this
    worker in Redis keys and output names; default ``<hostname>-<pid>``."""
    text = str(value or "").strip()
    if not text:
        host = re.sub(r"[^A-Za-z0-9_.-]", "-", socket.gethostname().split(".")[0]).strip("-.") or "worker"
        return f"{host[:48]}-{os.getpid()}"
    if not _WORKER.match(text):
        raise ConfigError(f"PARKNEWS_WORKER: {text!r} is not a short name (letters, digits, - _ ., at most 64)")
    return text


def _lease_timeout(settings: BaseSettings) -> float:
    value = settings.get("PARKNEWS_LEASE_TIMEOUT", 30)
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if not 0.5 <= seconds <= 3600:
        raise ConfigError(f"PARKNEWS_LEASE_TIMEOUT: {value!r} is not a number of seconds from 0.5 to 3600")
    return seconds


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def parse_flag(name: str, value: object) -> bool:
    """``1/true/yes/on`` or ``0/false/no/off``; anything else is a mistake worth stopping for."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise ConfigError(f"{name}: {value!r} is not one of 1, 0, true, false, yes, no")


def _number(settings: BaseSettings, name: str, default: float) -> float:
    value = settings.get(name, default)
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if not (number >= 0 and math.isfinite(number)):
        raise ConfigError(f"{name}: {value!r} is not a number >= 0")
    return number


def _count(settings: BaseSettings, name: str, default: int) -> int:
    value = settings.get(name, default)
    text = str(value).strip()
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(f"{name}: {value!r} is not a whole number >= 1")
    return int(text)


def _seconds(settings: BaseSettings, name: str) -> float:
    value = settings.get(name, 5)
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if not 0 < seconds <= 300:
        raise ConfigError(f"{name}: {value!r} is not a number of seconds between 0 and 300")
    return seconds


def _choice(settings: BaseSettings, name: str, allowed: tuple[str, ...]) -> str:
    value = str(settings.get(name, allowed[0])).strip().lower()
    if value not in allowed:
        raise ConfigError(f"{name}: {settings.get(name)!r} is not one of {', '.join(allowed)}")
    return value


def _config_of(crawler: Crawler) -> ParknewsConfig:
    return ParknewsConfig.from_settings(crawler.settings)
