"""``scrapy eval [CORPUS …]``: score extraction field by field, beside GNE and trafilatura.

Each corpus directory (saved pages, ``manifest.json``, ``expected.json``: the
format of ``fixtures/``) is served by ``parknews.replay.ReplayServer`` on
127.0.0.1 and every expected article page is fetched through Scrapy, with the
project's settings and downloader middlewares, so the page is decoded exactly
as a crawl decodes it (charset repair included). parknews then reads it as
its spider does — ``classify(Document.from_response(response))``, and
``to_item()`` when that is an article — and GNE and trafilatura get the same
decoded HTML. Nothing is exported, no state or summary is written, no browser
is started: click counts are those the HTML shows.

Without arguments, ``fixtures/`` and, when it exists, ``../shared/realworld-dev/``
(both relative to the project root) are scored. ``--floor FILE`` fails the run
(exit 1) when a field falls below the figures recorded in FILE; with
``--raise-floor`` the higher figures are written back to it.
"""

from __future__ import annotations

import contextlib
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

import scrapy
from scrapy.commands import ScrapyCommand
from scrapy.http import TextResponse
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.conf import closest_scrapy_cfg

from parknews.config import ParknewsConfig
from parknews.evaluation.corpus import Corpus, CorpusError
from parknews.evaluation.floor import FloorError, raised, read_floor, shortfalls
from parknews.evaluation.peers import PEERS, Extractor, load_peers, versions
from parknews.evaluation.results import PARKNEWS, CorpusResult, Reading
from parknews.evaluation.scoring import FIELDS
from parknews.feeds import OutputError, check_output_dirs
from parknews.jsonfile import write_json
from parknews.pages import Document, classify
from parknews.replay import REPLAY_SETTINGS, ReplayServer
from parknews.spiders.parknews import looks_like_html

if TYPE_CHECKING:
    import argparse
    from collections.abc import AsyncIterator

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

#: Corpora scored when none is named, relative to the project root; the second
#: one is optional (it sits beside the clone where CI runs, not in it).
DEFAULT_CORPUS = Path("fixtures")
NEIGHBOUR_CORPUS = Path("../shared/realworld-dev")
DEFAULT_REPORT = Path("data/eval-report.json")


class EvalSpider(scrapy.Spider):
    """Fetches a corpus's expected article pages from its replay server and reads each one."""

    name = "parknews-eval"
    custom_settings: ClassVar[dict[str, Any]] = {
        **REPLAY_SETTINGS,
        "ROBOTSTXT_OBEY": False,
        "ITEM_PIPELINES": {},
        "FEEDS": {},
        "EXTENSIONS": {},
        "SPIDERMON_ENABLED": False,
        "PARKNEWS_RENDER": "never",
    }

    def __init__(
        self, corpus: Corpus, base_url: str, peers: dict[str, Extractor], readings: dict[str, Reading], **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.corpus, self.base_url, self.peers, self.readings = corpus, base_url.rstrip("/"), peers, readings

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> EvalSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.script = ParknewsConfig.from_crawler(crawler).script
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for path in self.corpus.truth:
            yield scrapy.Request(
                self.base_url + path,
                callback=self.parse,
                errback=self.failed,
                cb_kwargs={"path": path},
                dont_filter=True,
            )

    def parse(self, response: Response, path: str) -> None:
        """Read the page as the parknews spider does, then hand the peers the same text."""
        if not isinstance(response, TextResponse) or not looks_like_html(response):
            self.readings[path] = Reading("not html")
            return
        page = classify(Document.from_response(response), self.script)
        outputs = {PARKNEWS: {}}
        if page.kind == "article":
            item = page.to_item()
            outputs[PARKNEWS] = {name: getattr(item, name) for name in FIELDS}
        for name, extract in self.peers.items():
            outputs[name] = extract(response.text, response.url)
        self.readings[path] = Reading(page.kind, outputs)

    def failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(HttpError):
            reason = f"HTTP {failure.value.response.status}"
        else:
            reason = failure.getErrorMessage() or failure.type.__name__
        self.readings[request.cb_kwargs["path"]] = Reading(f"not fetched: {reason}")
        self.logger.warning("Could not fetch %s: %s", request.url, reason)


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options] [corpus_dir …]"

    def short_desc(self) -> str:
        return "Score extraction field by field on corpora of saved pages, beside GNE and trafilatura"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--report", metavar="PATH", help=f"the JSON report (default: {DEFAULT_REPORT} in the project)"
        )
        parser.add_argument("--floor", metavar="FILE", help="exit 1 when a field falls below the figures in FILE")
        parser.add_argument(
            "--raise-floor", action="store_true", help="write the figures that went up back to the --floor FILE"
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        """Check every corpus, the floor and the report path before anything is served or fetched."""
        super().process_options(args, opts)
        assert self.settings is not None
        if self.settings.getpriority("LOG_LEVEL") <= SETTINGS_PRIORITIES["project"]:
            # the report is the output: Scrapy's INFO lines only bury it (-L INFO brings them back)
            self.settings.set("LOG_LEVEL", "WARNING", priority="project")
        root = Path(closest_scrapy_cfg()).parent
        if opts.raise_floor and not opts.floor:
            _fail("--raise-floor needs --floor FILE: the file to raise")
        try:
            self.corpora = [Corpus.load(Path(arg)) for arg in args] if args else _default_corpora(root)
            self.floor = read_floor(Path(opts.floor), missing_ok=opts.raise_floor) if opts.floor else None
        except (CorpusError, FloorError) as exc:
            _fail(str(exc))
        names = [c.name for c in self.corpora]
        if len(set(names)) < len(names):
            _fail(f"two corpora are called {max(names, key=names.count)!r}: reports and floors name them by directory")
        self.report = (Path(opts.report) if opts.report else root / DEFAULT_REPORT).resolve()
        for corpus in self.corpora:
            if self.report.is_relative_to(corpus.root):
                _fail(f"report {str(self.report)!r} would be written inside corpus {str(corpus.root)!r}")
        try:  # now, not after the whole evaluation (a read-only checkout)
            check_output_dirs([str(self.report), *([opts.floor] if opts.raise_floor else [])], create=True)
        except OutputError as exc:
            _fail(str(exc))

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.crawler_process is not None
        peers, missing = load_peers()
        if missing:
            names = " and ".join(PEERS[name] for name in missing)
            print(
                f"{names} {'is' if len(missing) == 1 else 'are'} not installed (make eval installs "
                f"bench/requirements.txt): scoring {' and '.join(['parknews', *(PEERS[p] for p in peers)])}"
            )
        readings: dict[str, dict[str, Reading]] = {c.name: {} for c in self.corpora}
        with contextlib.ExitStack() as servers:
            for corpus in self.corpora:
                server = servers.enter_context(ReplayServer(corpus.root))
                self.crawler_process.crawl(
                    EvalSpider, corpus=corpus, base_url=server.url, peers=peers, readings=readings[corpus.name]
                )
            self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        extractors = (PARKNEWS, *peers)
        results = [CorpusResult.score(c, readings[c.name], extractors) for c in self.corpora]
        for result in results:
            print(result.render(), end="\n\n")
        write_json(self.report, _report(results, extractors))
        print(f"Report: {self.report}")
        if self.floor is not None:
            self.exitcode = self._check_floor(Path(opts.floor), results, opts.raise_floor)

    def _check_floor(self, path: Path, results: list[CorpusResult], raise_floor: bool) -> int:
        assert self.floor is not None
        for result in results:
            if result.corpus.name not in self.floor:
                print(f"No floor recorded for {result.corpus.name} in {path}")
        if raise_floor:
            new = raised(self.floor, results)
            if new != self.floor:
                write_json(path, new)
                for corpus, fields in new.items():
                    for name, figure in fields.items():
                        old = self.floor.get(corpus, {}).get(name, {}).get("right")
                        if old != figure["right"]:
                            print(
                                f"Floor raised: {corpus} {name} {old if old is not None else '—'} → {figure['right']}"
                            )
        below = shortfalls(self.floor, results)
        for shortfall in below:
            print(f"parknews: eval: {shortfall}", file=sys.stderr)
        return 1 if below else 0


def _default_corpora(root: Path) -> list[Corpus]:
    corpora = [Corpus.load(root / DEFAULT_CORPUS)]
    neighbour = (root / NEIGHBOUR_CORPUS).resolve()
    if neighbour.is_dir():
        corpora.append(Corpus.load(neighbour))
    else:
        print(f"No corpus at {neighbour} ({NEIGHBOUR_CORPUS} of the project): scoring {DEFAULT_CORPUS}/ only")
    return corpora


def _report(results: list[CorpusResult], extractors: tuple[str, ...]) -> dict[str, Any]:
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": {
            "parknews": _commit(),
            "python": platform.python_version(),
            **versions(["scrapy", *(e for e in extractors if e != PARKNEWS)]),
        },
        "extractors": list(extractors),
        "corpora": {r.corpus.name: r.to_json() for r in results},
    }


def _commit() -> str:
    """The commit the figures were measured on (with ``+`` when the tree has changes)."""
    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10
        )
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return "?"
    return (head.stdout.strip() or "?") + ("+" if dirty.stdout.strip() else "")


def _fail(message: str) -> NoReturn:
    print(f"parknews: error: {message}", file=sys.stderr)
    raise SystemExit(2)
