"""The benchmark's replay site: N synthetic articles in every fixture variant.

``fixtures/generate.py --synthetic`` alone gives one template and one
charset per category. A crawl's cost depends on the variants (GBK pages
that must be re-decoded, mojibake that ftfy has to repair, Big5 pages that
OpenCC converts, mirror copies with glosses that dedup has to catch), so
the bench spreads them over the archive in fixed proportions, written by the
fixture generator's own templates and checked by its own checks.
"""

from __future__ import annotations

import functools
import importlib.util
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

#: Every this many articles of a category, one of each variant below.
CYCLE = 20


@functools.cache
def generator():
    """``fixtures/generate.py`` as a module (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("parknews_fixture_generate", FIXTURES / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _mojibake_body(gen, rng: random.Random, serial: int) -> tuple[str, str]:
    """Title and body for a mojibake page, from the wording of fixture 1741.

    Synthetic sentences cannot be used: most Chinese text has UTF-8 bytes
    (0x81, 0x8D, 0x8F…) that cp1252 leaves undefined, so it cannot be
    garbled the way the site garbles it. The paragraphs are shuffled and
    numbered so every copy has its own fingerprint.
    """
    model = next(a for a in gen.ARTICLES if a.get("mojibake"))
    paras = [line for line in model["body"].strip().splitlines() if line.strip()]
    rng.shuffle(paras)
    paras[0] = f"No.{serial} {paras[0]}"
    return f"{model['title']} {serial}", "\n".join(paras)


def bench_articles(n: int) -> tuple[list[dict], list[dict]]:
    """Articles and mirror copies for a site of ``n`` articles.

    Per category, one article in ``CYCLE`` is each of: GBK with no header
    charset, GBK with a correct header, a canonical link (dede); mojibake,
    a shown publication time (plain); Big5 Traditional, the plain template
    in a modern category (modern). One article in 50 also has a mirror copy
    (Traditional with pinyin glosses, ASCII punctuation), listed in 园区动态.
    The rest are the templates' usual case: GBK served as UTF-8 (dede) and
    UTF-8.
    """
    gen = generator()
    rng = random.Random(5000)
    articles = gen.synthetic_articles(n)
    mirrors: list[dict] = []
    for i, a in enumerate(articles):
        slot = (i // len(gen.CATEGORIES)) % CYCLE
        if a["template"] == "dede":
            if slot == 0:
                a["content_type"] = "text/html"
            elif slot == 1:
                a["content_type"] = "text/html; charset=gbk"
            elif slot == 2:
                a["canonical"] = True
        elif a["template"] == "plain":
            if slot == 0:
                a["title"], a["body"] = _mojibake_body(gen, rng, a["id"])
                a["mojibake"] = True
            elif slot == 1:
                a["show_time"] = True
        elif a["template"] == "modern":
            if slot == 0 and _round_trips(gen, a):
                a.update(traditional=True, charset="big5", content_type="text/html; charset=big5")
            elif slot == 1:
                a["template"] = "plain"
        if i % 50 == 25 and not a.get("mojibake") and not a.get("traditional"):
            mirrors.append(
                {
                    "path": f"/mirror/news/{a['cat']}/{a['id']}.html",
                    "of": a["id"],
                    "listed_in": "yqdt",
                    "list_date": a["date"],
                }
            )
    return articles, mirrors


def _round_trips(gen, a: dict) -> bool:
    """Big5 pages must come back to the same Simplified text through OpenCC."""
    texts = [a["title"], a.get("source") or "", *gen.body_lines(gen.parse_body(a["body"]))]
    return all(gen.T2S.convert(gen.S2TW.convert(t)) == t for t in texts)


def build(n: int, out: Path, mark: str = "") -> dict:
    """Write the site, ``manifest.json`` and ``expected.json`` under ``out``; return the manifest.

    ``mark`` opens every title: another site of the same shape whose articles
    are its own (another fingerprint each).
    """
    gen = generator()
    articles, mirrors = bench_articles(n)
    for a in articles:
        a["title"] = mark + a["title"]
    seed = gen.SEED_PATH.read_text(encoding="utf-8")
    return gen.build_site(out, articles, mirrors, per_page=20, seed_text=seed)


def build_render(n: int, out: Path) -> dict:
    """A site whose ``n`` articles show their click count only through
    ``fetch()`` after load, like fixture 1788: every one of them needs the
    browser, so a crawl of it times the render path alone."""
    gen = generator()
    articles = gen.synthetic_articles(n, start_id=50000)
    for a in articles:
        a.update(template="modern", counter="fetch")
        a.pop("charset", None)
        a.pop("content_type", None)
    return gen.build_site(out, articles, per_page=20)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    pages = build(args.n, args.out)["pages"]
    print(f"{len(pages)} URLs written to {args.out}")
