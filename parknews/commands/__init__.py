"""The project's ``scrapy`` commands: ``crawl`` (exit codes, run lock), ``parse``
and ``shell`` (any URL, without the state or the summary), ``savefixture``."""

from __future__ import annotations

import contextlib
import tempfile
from typing import TYPE_CHECKING

from parknews.config import ConfigError, parse_start_urls

if TYPE_CHECKING:
    import argparse

    from scrapy.settings import BaseSettings


class LookOnly:
    """What ``scrapy parse`` and ``scrapy shell`` change for a look at a page.

    They run the project's spider and settings, but a look is not a run: the
    URL given is allowed whatever its host (it becomes the start URL), the
    state is a throwaway one (every article counts as new, nothing is
    recorded, robots.txt is obeyed but not cached), and there is no output
    file, run summary or run check. Applied at the command line's priority
    before the user's ``-s`` values, which still win.
    """

    def __init__(self) -> None:
        self._state = tempfile.TemporaryDirectory(prefix="parknews-look-")

    def apply(self, settings: BaseSettings, url: str | None) -> None:
        values: dict[str, object] = {
            "PARKNEWS_STATE": f"{self._state.name}/state.sqlite",
            "PARKNEWS_ROBOTS_TTL": 0,
            "PARKNEWS_OUTPUT": "",
            "PARKNEWS_SUMMARY": "",
            "SPIDERMON_ENABLED": False,
        }
        # a local file (scrapy shell ./page.html) has no host to allow
        with contextlib.suppress(ConfigError):
            values["PARKNEWS_START_URLS"] = list(parse_start_urls(url or ""))
        settings.setdict(values, priority="cmdline")
        # a component setting: only this key changes, the project's extensions stay
        settings.set("EXTENSIONS", {"parknews.outcome.RunSummary": None}, priority="cmdline")

    def close(self) -> None:
        self._state.cleanup()


class LookCommand:
    """The part ``scrapy parse`` and ``scrapy shell`` share: a :class:`LookOnly`
    applied before Scrapy's own options, undone after the command ran.
    Mixed in before Scrapy's command class."""

    look: LookOnly
    settings: BaseSettings | None

    def url_of(self, args: list[str]) -> str | None:
        """The URL the command looks at, as a start URL."""
        return args[0] if args else None

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        self.look = LookOnly()
        self.look.apply(self.settings, self.url_of(args))
        super().process_options(args, opts)  # type: ignore[misc]

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            super().run(args, opts)  # type: ignore[misc]
        finally:
            self.look.close()
