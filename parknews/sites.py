"""Site profiles: a site is a few lines of ``sites.toml``, not a spider.

Extraction is generic, so what tells one site from another is only where
to start, which hosts are its own, which sections to keep or leave, how
politely to ask, and which fields its pages carry (most park sites show no
click count)::

    [[site]]
    name = "ciipa"
    start_urls = ["https://www.ciipa.net/"]
    coverage = { clicks = 0.8 }

A bad profile is reported before any request, naming the file, the line and
the key.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from parknews.exceptions import ConfigError
from parknews.pages.urls import crawl_problem, host_of
from parknews.text import SCRIPTS

#: Fields a coverage rule can name, and the share every site is held to unless its profile says otherwise.
DEFAULT_COVERAGE = {"title": 0.95, "published": 0.95, "body": 0.95}
COVERAGE_FIELDS = ("title", "published", "clicks", "source", "category", "body")
#: ``render`` (and ``PARKNEWS_RENDER``): when a browser reads click counts that only JavaScript shows.
RENDER_MODES = ("auto", "never", "always")
_KEYS = frozenset(
    {"name", "start_urls", "hosts", "names", "include", "exclude"}
    | {"delay", "concurrency", "render", "script", "coverage"}
)
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


@dataclass(frozen=True)
class Site:
    """One site to crawl."""

    name: str
    start_urls: tuple[str, ...]
    #: netlocs (host and port) that are the site's own: its start URLs' and the mirrors' and CDNs' named
    hosts: frozenset[str]
    #: what its 来源 lines call it (a copy elsewhere naming it is its article's copy)
    names: tuple[str, ...] = ()
    #: URL patterns (regular expressions, searched in the URL) a followed link must match, one of them …
    include: tuple[re.Pattern[str], ...] = ()
    #: … and must not
    exclude: tuple[re.Pattern[str], ...] = ()
    #: seconds between two requests to one of its hosts, and requests at once (None: the project's)
    delay: float | None = None
    concurrency: int | None = None
    #: ``PARKNEWS_RENDER`` and ``PARKNEWS_SCRIPT`` for this site (None: the project's)
    render: str | None = None
    script: str | None = None
    #: share of its articles that must carry each field
    coverage: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_COVERAGE))

    def includes(self, url: str) -> bool:
        """A category list of this site that its ``include`` patterns allow (all, when it has none)."""
        return not self.include or any(p.search(url) for p in self.include)

    def excludes(self, url: str) -> bool:
        """A URL of this site never to fetch."""
        return any(p.search(url) for p in self.exclude)

    def names_as_source(self, source: str | None) -> bool:
        """Whether a 来源 line names this site: a copy elsewhere citing it is a copy of its article."""
        return bool(source) and any(name in source for name in self.names)  # type: ignore[operator]

    def with_defaults(self, render: str, script: str) -> Site:
        """This site with the project's ``render`` and ``script`` where its profile sets none."""
        return replace(self, render=self.render or render, script=self.script or script)


def site_stat(name: str, key: str) -> str:
    """The stats key of one site's count: ``parknews/site/<name>/<key>``."""
    return f"parknews/site/{name}/{key}"


def site_slots(profiles: dict[str, Site]) -> dict[str, dict[str, float | int]]:
    """``DOWNLOAD_SLOTS`` for the profiles' own politeness. Scrapy keys a slot by
    host name (not port); a host two profiles name gets the stricter of their values."""
    slots: dict[str, dict[str, float | int]] = {}
    for site in profiles.values():
        for host in site.hosts:
            slot = slots.setdefault(urlsplit(f"http://{host}/").hostname or host, {})
            if site.delay is not None:
                slot["delay"] = max(site.delay, slot.get("delay", 0.0))
            if site.concurrency is not None:
                slot["concurrency"] = min(site.concurrency, slot.get("concurrency", site.concurrency))
    return {host: slot for host, slot in slots.items() if slot}


def select_sites(profiles: dict[str, Site], spec: str) -> tuple[Site, ...]:
    """``-a site=NAME[,NAME…]`` or ``all``; a name that is no profile's is an error listing the known ones."""
    wanted = [name.strip() for name in spec.split(",") if name.strip()]
    if wanted == ["all"]:
        return tuple(profiles.values())
    unknown = [name for name in wanted if name not in profiles]
    if unknown or not wanted:
        what = f"{unknown[0]!r} is not a known site" if unknown else "no site named"
        raise ConfigError(f"site: {what} (known: {', '.join(profiles)}, or all)")
    return tuple(profiles[name] for name in dict.fromkeys(wanted))


def for_start_urls(profiles: dict[str, Site], urls: tuple[str, ...]) -> Site:
    """The site of ``-a start_urls=…``: the profile whose hosts hold every URL
    (its coverage and names apply, from these URLs), else an ad-hoc site of
    the URLs' hosts held to the default coverage."""
    hosts = frozenset(host_of(u) for u in urls)
    for site in profiles.values():
        if hosts <= site.hosts:
            return replace(site, start_urls=urls)
    return Site(name=host_of(urls[0]), start_urls=urls, hosts=hosts)


def load_sites(path: Path) -> dict[str, Site]:
    """The profiles of ``path``, by name, in file order."""
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        at = re.search(r"\(at line (\d+)", str(exc))
        raise ConfigError(f"{path}:{at.group(1) if at else 1}: {exc}") from exc
    unknown_top = set(data) - {"site"}
    if unknown_top:
        key = sorted(unknown_top)[0]
        raise ConfigError(f"{path}:{_line_of(text, key)}: unknown key {key!r} (a site is a [[site]] table)")
    tables = data.get("site", [])
    if not isinstance(tables, list) or not tables:
        raise ConfigError(f"{path}: no [[site]] table")
    sites: dict[str, Site] = {}
    for n, table in enumerate(tables):
        site = _site(table, _Where(path, text, n))
        if site.name in sites:
            raise ConfigError(f"{_Where(path, text, n).at('name')}: site {site.name!r} is defined twice")
        sites[site.name] = site
    return sites


class _Where:
    """Where in the file a key of the ``n``-th ``[[site]]`` table is: for one-line errors."""

    def __init__(self, path: Path, text: str, n: int) -> None:
        self.path, self.lines = path, text.splitlines()
        starts = [i for i, line in enumerate(self.lines) if line.strip() == "[[site]]"]
        self.start = starts[n] if n < len(starts) else 0
        self.end = starts[n + 1] if n + 1 < len(starts) else len(self.lines)

    def at(self, key: str) -> str:
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=|[{{,]\s*{re.escape(key)}\s*=")
        for i in range(self.start, self.end):
            if pattern.search(self.lines[i]):
                return f"{self.path}:{i + 1}"
        return f"{self.path}:{self.start + 1}"


def _line_of(text: str, key: str) -> int:
    for i, line in enumerate(text.splitlines()):
        if re.match(rf"^\s*\[*\s*{re.escape(key)}\b", line):
            return i + 1
    return 1


def _site(table: dict[str, object], where: _Where) -> Site:
    unknown = set(table) - _KEYS
    if unknown:
        key = sorted(unknown)[0]
        raise ConfigError(f"{where.at(key)}: unknown key {key!r} (known: {', '.join(sorted(_KEYS))})")
    name = table.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(f"{where.at('name')}: name {name!r} is not a short lowercase name (letters, digits, - _ .)")
    urls = table.get("start_urls")
    if not isinstance(urls, list) or not urls or not all(isinstance(u, str) for u in urls):
        raise ConfigError(f"{where.at('start_urls')}: site {name!r} has no start_urls (a list of http(s) URLs)")
    for url in urls:
        problem = crawl_problem(url)
        if problem:
            raise ConfigError(f"{where.at('start_urls')}: site {name!r}: start URL {url!r} {problem}")
    hosts = _strings(table, "hosts", where)
    for host in hosts:
        if crawl_problem(f"http://{host}/") or host_of(f"http://{host}/") != host.lower():
            raise ConfigError(f"{where.at('hosts')}: site {name!r}: {host!r} is not a host name (and optional :port)")
    coverage = dict(DEFAULT_COVERAGE)
    rules = table.get("coverage", {})
    if not isinstance(rules, dict):
        raise ConfigError(f"{where.at('coverage')}: coverage is not a table of field = share")
    for key, share in rules.items():
        if key not in COVERAGE_FIELDS:
            raise ConfigError(
                f"{where.at(key)}: unknown field {key!r} in coverage (known: {', '.join(COVERAGE_FIELDS)})"
            )
        if not isinstance(share, int | float) or isinstance(share, bool) or not 0 <= share <= 1:
            raise ConfigError(f"{where.at(key)}: coverage {key} = {share!r} is not a share from 0 to 1")
        coverage[key] = float(share)
    return Site(
        name=name,
        start_urls=tuple(urls),
        hosts=frozenset({*(host_of(u) for u in urls), *(h.lower() for h in hosts)}),
        names=tuple(_strings(table, "names", where)),
        include=_patterns(table, "include", where),
        exclude=_patterns(table, "exclude", where),
        delay=_number(table, "delay", where, float),
        concurrency=_number(table, "concurrency", where, int),
        render=_one_of(table, "render", RENDER_MODES, where),
        script=_one_of(table, "script", SCRIPTS, where),
        coverage=coverage,
    )


def _strings(table: dict[str, object], key: str, where: _Where) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where.at(key)}: {key} is not a list of strings")
    return [v.strip() for v in value]


def _patterns(table: dict[str, object], key: str, where: _Where) -> tuple[re.Pattern[str], ...]:
    out = []
    for text in _strings(table, key, where):
        try:
            out.append(re.compile(text))
        except re.error as exc:
            raise ConfigError(f"{where.at(key)}: {key} pattern {text!r} is not a regular expression ({exc})") from exc
    return tuple(out)


def _number(table: dict[str, object], key: str, where: _Where, kind: type) -> float | int | None:
    value = table.get(key)
    if value is None:
        return None
    ok = isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
    if kind is int:
        ok = ok and isinstance(value, int) and value >= 1
    if not ok:
        raise ConfigError(f"{where.at(key)}: {key} = {value!r} is not a {'whole ' if kind is int else ''}number")
    return kind(value)


def _one_of(table: dict[str, object], key: str, allowed: tuple[str, ...], where: _Where) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if value not in allowed:
        raise ConfigError(f"{where.at(key)}: {key} = {value!r} is not one of {', '.join(allowed)}")
    return str(value)
