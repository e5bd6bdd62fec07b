"""Project settings and spider arguments, validated once.

Every ``PARKNEWS_*`` setting is read here and nowhere else, so a bad value is
reported before the first request, with the value and the allowed ones named,
instead of surfacing as a traceback half-way through a crawl.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from parknews.text import SCRIPTS

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings


class ConfigError(ValueError):
    """A setting or argument value that cannot work; the message is one line."""


@dataclass(frozen=True)
class ParknewsConfig:
    start_urls: tuple[str, ...]
    state_path: Path
    script: str

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> ParknewsConfig:
        return cls(
            start_urls=parse_start_urls(settings.getlist("PARKNEWS_START_URLS")),
            state_path=Path(settings.get("PARKNEWS_STATE") or ".parknews/state.sqlite"),
            script=_choice(settings, "PARKNEWS_SCRIPT", SCRIPTS),
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ParknewsConfig:
        """The crawler's config, parsed on first use and shared by every component."""
        config = getattr(crawler, "_parknews_config", None)
        if config is None:
            config = cls.from_settings(crawler.settings)
            crawler._parknews_config = config  # type: ignore[attr-defined]
        return config


def parse_start_urls(value: str | list[str]) -> tuple[str, ...]:
    """Accept ``URL[,URL…]`` (the ``-a`` form) or a list (the setting form)."""
    items = value.split(",") if isinstance(value, str) else list(value)
    urls = tuple(u.strip() for u in items if u and u.strip())
    if not urls:
        raise ConfigError("start_urls: no URL given")
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"start_urls: {url!r} is not an http:// or https:// URL")
    return urls


def parse_limit(value: str | int) -> int:
    """``-a limit=N``: stop after N exported articles (0: no limit)."""
    text = str(value).strip()
    if not text.isdigit():
        raise ConfigError(f"limit: {value!r} is not a whole number >= 0")
    return int(text)


def _choice(settings: BaseSettings, name: str, allowed: tuple[str, ...]) -> str:
    value = str(settings.get(name, allowed[0])).strip().lower()
    if value not in allowed:
        raise ConfigError(f"{name}: {settings.get(name)!r} is not one of {', '.join(allowed)}")
    return value
