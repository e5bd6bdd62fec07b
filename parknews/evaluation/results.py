"""A corpus's figures: per field, how many pages each extractor got right.

The printed report is for the person improving extraction: the table, then
every page and field parknews gets wrong with what it got and what was
wanted, then the pages a peer gets right and parknews does not (the ones to
study first). The JSON report holds the same and every verdict of every
extractor, for diffing two runs.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Any

from parknews.evaluation.corpus import Corpus
from parknews.evaluation.peers import PEERS, Fields
from parknews.evaluation.scoring import FIELDS, Verdict, judge

PARKNEWS = "parknews"
#: Fields the peers extract: only on these is "peer right, parknews wrong" listed.
SHARED_FIELDS: tuple[str, ...] = ("title", "published", "body")
_DISPLAY = {PARKNEWS: "parknews", **PEERS}


@dataclass(frozen=True)
class Reading:
    """What each extractor made of one fetched page."""

    #: what parknews classified the page as (article, list, hub, other), or why it has no kind
    #: (``not html``, ``not fetched: HTTP 404``)
    kind: str
    #: fields by extractor; parknews's are empty unless the page is an article
    outputs: dict[str, Fields] = field(default_factory=dict)


@dataclass(frozen=True)
class PageResult:
    path: str
    kind: str
    #: extractor → field → verdict
    verdicts: dict[str, dict[str, Verdict]]


@dataclass(frozen=True)
class CorpusResult:
    corpus: Corpus
    extractors: tuple[str, ...]
    pages: list[PageResult]

    @classmethod
    def score(cls, corpus: Corpus, readings: dict[str, Reading], extractors: tuple[str, ...]) -> CorpusResult:
        """Judge every expected page; a page that was never read counts as a miss of every field."""
        pages = []
        for path, truth in corpus.truth.items():
            reading = readings.get(path, Reading("not fetched"))
            verdicts = {name: judge(truth, reading.outputs.get(name, {})) for name in extractors}
            pages.append(PageResult(path, reading.kind, verdicts))
        return cls(corpus, extractors, pages)

    def stated(self, name: str) -> int:
        """Pages whose truth states the field (the same for every extractor)."""
        return sum(p.verdicts[PARKNEWS][name].status in ("right", "wrong") for p in self.pages)

    def count(self, extractor: str, name: str, status: str) -> int:
        return sum(p.verdicts[extractor][name].status == status for p in self.pages)

    def figures(self) -> dict[str, dict[str, Any]]:
        """Per field: pages stated, and per extractor the pages right and spurious."""
        return {
            name: {
                "stated": self.stated(name),
                **{
                    ex: {"right": self.count(ex, name, "right"), "spurious": self.count(ex, name, "spurious")}
                    for ex in self.extractors
                },
            }
            for name in FIELDS
        }

    def failures(self) -> list[tuple[PageResult, list[tuple[str, Verdict]]]]:
        """parknews's wrong and spurious fields, page by page."""
        out = []
        for page in self.pages:
            bad = [(n, v) for n, v in page.verdicts[PARKNEWS].items() if v.status in ("wrong", "spurious")]
            if bad:
                out.append((page, bad))
        return out

    def peer_wins(self, peer: str) -> dict[str, list[str]]:
        """Per shared field, the pages ``peer`` gets right and parknews does not."""
        return {
            name: [
                p.path
                for p in self.pages
                if p.verdicts[peer][name].right and p.verdicts[PARKNEWS][name].status == "wrong"
            ]
            for name in SHARED_FIELDS
        }

    @property
    def peers(self) -> tuple[str, ...]:
        return tuple(ex for ex in self.extractors if ex != PARKNEWS)

    # ---------------------------------------------------------------- output
    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.corpus.root),
            "pages": len(self.pages),
            "fields": self.figures(),
            "failures": [
                {"page": page.path, "kind": page.kind, "field": name, **_verdict_json(v)}
                for page, bad in self.failures()
                for name, v in bad
            ],
            "peer_right_parknews_wrong": {peer: self.peer_wins(peer) for peer in self.peers},
            "verdicts": {
                p.path: {
                    "kind": p.kind,
                    **{ex: {name: v.status for name, v in p.verdicts[ex].items()} for ex in self.extractors},
                }
                for p in self.pages
            },
        }

    def render(self) -> str:
        lines = [f"{self.corpus.name}: {len(self.pages)} article pages ({self.corpus.root})"]
        head = f"{'field':<10} {'stated':>6}" + "".join(f"  {_DISPLAY[ex]:<14}" for ex in self.extractors)
        lines.append(head + "  spurious")
        for name in FIELDS:
            stated = self.stated(name)
            row = f"{name:<10} {stated:>6}"
            for ex in self.extractors:
                right = self.count(ex, name, "right")
                share = f"{100 * right / stated:5.1f} %" if stated else "    —  "
                row += f"  {right:>4} {share:<9}"
            lines.append(row + f"  {self.count(PARKNEWS, name, 'spurious'):>8}")
        if self.peers:
            lines.append(
                "(peers extract no clicks, source or category: those count as their misses; "
                "spurious: parknews gave a value where the truth is null, not counted)"
            )
        failures = self.failures()
        lines.append("")
        lines.append(f"parknews wrong or spurious: {len(failures)} pages" + (":" if failures else ""))
        for page, bad in failures:
            note = "" if page.kind == "article" else f"  [{page.kind}: nothing exported]"
            lines.append(f"  {page.path}{note}")
            lines.extend(f"    {name:<10} {_describe(v)}" for name, v in bad)
        for peer in self.peers:
            lines.append(f"{_DISPLAY[peer]} right, parknews wrong:")
            for name, paths in self.peer_wins(peer).items():
                lines.append(f"  {name} ({len(paths)})" + (":" if paths else ""))
                if paths:
                    lines.append(
                        textwrap.fill(
                            " ".join(paths),
                            width=100,
                            initial_indent="    ",
                            subsequent_indent="    ",
                            break_on_hyphens=False,
                            break_long_words=False,
                        )
                    )
        return "\n".join(lines)


def _describe(v: Verdict) -> str:
    if v.status == "spurious":
        return f"spurious: got {_short(v.got)}, the truth is null"
    if isinstance(v.want, dict):  # a body
        want = f"{_short(v.want['body_start'])} … {_short(v.want['body_end'])}"
        return f"got {_ends(v.got)}  want {want}: {v.why}"
    return f"got {_short(v.got)}  want {_short(v.want)}"


def _short(value: Any, width: int = 40) -> str:
    if value is None:
        return "—"
    if not isinstance(value, str):
        return repr(value)
    text = " ".join(value.split())
    if len(text) > width:
        text = text[: width // 2] + "…" + text[-(width // 2) :]
    return repr(text)


def _ends(body: Any) -> str:
    """A body by its first and last characters, where the checks look."""
    if not body:
        return "—"
    text = " ".join(str(body).split())
    return repr(text) if len(text) <= 40 else f"{text[:20]!r} … {text[-20:]!r}"


def _verdict_json(v: Verdict) -> dict[str, Any]:
    out: dict[str, Any] = {"status": v.status, "got": v.got, "want": v.want}
    if v.why:
        out["why"] = v.why
    return out
