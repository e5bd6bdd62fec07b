"""Extract-only: parknews against trafilatura and GNE on the same decoded HTML.

Every page is decoded once, the way the crawl decodes it (Scrapy's
``HtmlResponse`` with the saved headers, then parknews's charset repair), and
the same ``str`` goes to each extractor. parknews does what its spider and
page objects do per article: parse and repair the text into a document,
classify it, and ``to_item()`` (fields, glosses, OpenCC, punctuation,
whitespace, fingerprint).
trafilatura runs ``bare_extraction`` with metadata (title and date need it)
and without comments; GNE runs ``GeneralNewsExtractor().extract`` as is.

Timing: one untimed warm-up pass, then ``rounds`` passes over the pages; on
each page the extractors run back to back in an order that rotates with the
page and the round, so none is favoured by a warm cache or a busy moment.
The per-page figure is the median of the rounds' means.

Accuracy, the same for every extractor, on the pages' ``expected.json``
records (``fixtures/`` and the bench site): per article, three scores
in [0, 1], averaged over the articles and then over the three fields:

- ``title``: 1 if the title equals the expected one (whitespace collapsed);
- ``published``: 1 if the first date in the extractor's value is the
  expected date (``YYYY-MM-DD``; a time, when given, is not compared);
- ``body``: the share of snippet checks passed, with whitespace collapsed:
  starts with ``body_start``, ends with ``body_end``, holds every
  ``contains`` snippet, holds no ``not_contains`` snippet (the page chrome:
  share bars, info row, 来源 line, related lists). An empty body scores 0.

Expected texts are clean Simplified Chinese, which is what parknews exports.
``accuracy`` scores each extractor's output as it comes;
``accuracy_repaired`` first passes trafilatura's and GNE's fields through
parknews's own text repair, so the difference left is finding the right
content, not the text clean-up.
"""

from __future__ import annotations

import json
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from itemadapter import ItemAdapter  # noqa: E402
from scrapy.http import HtmlResponse, Request  # noqa: E402

from parknews.middlewares import CharsetFixMiddleware  # noqa: E402
from parknews.pages import Document, classify  # noqa: E402
from parknews.text import repair  # noqa: E402

FIELDS = ("title", "published", "body")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")

Extracted = dict[str, str | None]


class Sample:
    """One saved article page: URL, decoded HTML, expected record."""

    __slots__ = ("expected", "html", "key", "set", "url")

    def __init__(self, key: str, url: str, html: str, expected: dict, set_: str) -> None:
        self.key, self.url, self.html, self.expected, self.set = key, url, html, expected, set_


def load_pages(root: Path, keys: list[str] | None, set_name: str, origin: str = "http://127.0.0.1") -> list[Sample]:
    """Article pages of a saved site, decoded as the crawl decodes them."""
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))["pages"]
    expected = json.loads((root / "expected.json").read_text(encoding="utf-8"))
    if keys is None:
        keys = [k for k, e in expected.items() if e["kind"] == "article" and "?" not in k]
    fix = CharsetFixMiddleware()
    out = []
    for key in keys:
        entry = manifest[key]
        url = origin + key
        body = (root / entry["file"]).read_bytes()
        headers = {k: v for k, v in entry.get("headers", {}).items() if k.lower() == "content-type"}
        response = fix.process_response(Request(url), HtmlResponse(url, body=body, headers=headers))
        out.append(Sample(key, url, response.text, expected[key], set_name))
    return out


def sample_keys(root: Path, count: int, seed: int = 0) -> list[str]:
    """A fixed random sample of the site's article pages (every variant shows up)."""
    expected = json.loads((root / "expected.json").read_text(encoding="utf-8"))
    keys = sorted(k for k, e in expected.items() if e["kind"] == "article" and "?" not in k)
    return sorted(random.Random(seed).sample(keys, min(count, len(keys))))


# ---------------------------------------------------------------- extractors
def make_extractors() -> dict[str, Callable[[str, str], Extracted]]:
    import gne
    import trafilatura

    def parknews(html: str, url: str) -> Extracted:
        page = classify(Document.from_html(html, url))
        if page.kind != "article":  # the crawl would export nothing
            return {"title": None, "published": None, "body": None}
        a = ItemAdapter(page.to_item())
        return {"title": a.get("title"), "published": a.get("published"), "body": a.get("body")}

    def trafilatura_(html: str, url: str) -> Extracted:
        doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
        if doc is None:
            return {"title": None, "published": None, "body": None}
        return {"title": doc.title, "published": doc.date, "body": doc.text}

    gne_extractor = gne.GeneralNewsExtractor()

    def gne_(html: str, url: str) -> Extracted:
        try:
            d = gne_extractor.extract(html)
        except Exception:  # GNE raises on pages it cannot read; that is a miss, not a crash
            return {"title": None, "published": None, "body": None}
        return {"title": d.get("title"), "published": d.get("publish_time"), "body": d.get("content")}

    return {"parknews": parknews, "trafilatura": trafilatura_, "gne": gne_}


# ------------------------------------------------------------------ accuracy
def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


def _date(value: str | None) -> str | None:
    m = _DATE.search(value or "")
    return f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}" if m else None


def score(expected: dict, got: Extracted) -> dict[str, float]:
    title = float(bool(got["title"]) and _norm(got["title"]) == _norm(expected["title"]))
    published = float(_date(got["published"]) is not None and _date(got["published"]) == expected["published"][:10])
    body = _norm(got["body"])
    if not body:
        return {"title": title, "published": published, "body": 0.0}
    checks = [body.startswith(_norm(expected["body_start"])), body.endswith(_norm(expected["body_end"]))]
    checks += [_norm(s) in body for s in expected.get("contains", [])]
    checks += [_norm(s) not in body for s in expected.get("not_contains", [])]
    return {"title": title, "published": published, "body": sum(checks) / len(checks)}


def _repaired(got: Extracted) -> Extracted:
    return {k: (repair(v) if v and k != "published" else v) for k, v in got.items()}


def _mean_scores(scores: list[dict[str, float]]) -> dict[str, float]:
    out = {f: statistics.fmean(s[f] for s in scores) if scores else 0.0 for f in FIELDS}
    out["overall"] = statistics.fmean(out[f] for f in FIELDS)
    return {k: round(v, 4) for k, v in out.items()}


# -------------------------------------------------------------------- timing
def compare(pages: list[Sample], rounds: int = 5, log: Callable[[str], None] = print) -> dict[str, Any]:
    extractors = make_extractors()
    names = list(extractors)
    results: dict[str, dict[str, Extracted]] = {n: {} for n in names}
    for name, fn in extractors.items():  # warm-up, and the outputs that are scored
        for p in pages:
            results[name][p.key + "@" + p.set] = fn(p.html, p.url)
    per_round: dict[str, list[float]] = {n: [] for n in names}
    clock = time.perf_counter_ns
    for r in range(rounds):
        total = dict.fromkeys(names, 0)
        for i, p in enumerate(pages):
            k = (i + r) % len(names)
            for name in names[k:] + names[:k]:
                fn = extractors[name]
                t0 = clock()
                fn(p.html, p.url)
                total[name] += clock() - t0
        for name in names:
            per_round[name].append(total[name] / len(pages) / 1e6)
        log(f"  round {r + 1}/{rounds}: " + ", ".join(f"{n} {per_round[n][-1]:.2f} ms" for n in names))
    ms = {n: round(statistics.median(v), 3) for n, v in per_round.items()}
    accuracy: dict[str, dict[str, dict[str, float]]] = {}
    for set_name in sorted({p.set for p in pages}):
        subset = [p for p in pages if p.set == set_name]
        accuracy[set_name] = {}
        for name in names:
            raw = [score(p.expected, results[name][p.key + "@" + p.set]) for p in subset]
            fixed = [score(p.expected, _repaired(results[name][p.key + "@" + p.set])) for p in subset]
            accuracy[set_name][name] = {"raw": _mean_scores(raw), "repaired": _mean_scores(fixed), "pages": len(subset)}
    misses = {
        name: [
            p.set + ":" + p.key
            for p in pages
            if min(score(p.expected, results[name][p.key + "@" + p.set]).values()) < 1
        ][:10]
        for name in names
    }
    return {
        "ms_per_page": ms,
        "ms_per_round": per_round,
        "rounds": rounds,
        "pages": len(pages),
        "accuracy": accuracy,
        "examples_not_perfect": misses,
    }
