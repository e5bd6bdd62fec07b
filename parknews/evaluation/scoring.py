"""Whether an extracted field is right, by the rules of the corpus format.

Texts are compared the way a reader compares them, not byte for byte: after
NFKC (full-width letters, digits and punctuation become their plain forms),
with curly quotes made straight and without any whitespace, so that a space
after a full stop or a line break between paragraphs decides nothing. A
field is right when it equals the truth or one of the page's ``accept``
values (pages where a second answer is as good: a deck before the lead, a
crumb higher up, the Simplified rendering of a Traditional page).

A field is scored only on pages whose truth states it. Where the truth is
null, an extractor that still returns a value (not an accepted one) is
*spurious*: reported, never counted in the score, since "the page shows no
source" is a fact an extractor can get wrong too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

#: The fields of an article record, in the order they are reported.
FIELDS: tuple[str, ...] = ("title", "published", "clicks", "source", "category", "body")

#: Page chrome that is never article text: navigation to the neighbouring
#: articles, share bars, rights and disclaimer notices, print/close links,
#: breadcrumbs, "set as home page", ranking and recommendation boxes, the ICP
#: licence line. Only words that a news text does not use in its own
#: sentences; a page whose text does say one lists it in ``boilerplate_allowed``.
CHROME: tuple[str, ...] = (
    "上一篇",
    "下一篇",
    "分享到",
    "版权所有",
    "版權所有",
    "免责声明",
    "免責聲明",
    "打印本页",
    "关闭窗口",
    "返回顶部",
    "返回首页",
    "设为首页",
    "加入收藏",
    "当前位置",
    "点击排行",
    "相关阅读",
    "推荐阅读",
    "热门文章",
    "猜你喜欢",
    "ICP备",
)

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"', "‘": "'", "’": "'", "‚": "'", "‛": "'"})
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ANY_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")

Status = Literal["right", "wrong", "spurious", "unscored"]


def normalise(text: str) -> str:
    """NFKC, straight quotes, no whitespace: the form every text is compared in."""
    return "".join(unicodedata.normalize("NFKC", text).translate(_QUOTES).split())


def date_of(value: object) -> str | None:
    """``YYYY-MM-DD`` of a published value: the first ten characters of an ISO
    date or time (parknews's form), else the first date written in it, as other
    extractors return them (``2019年10月8日 12:00``, ``2019/10/08``)."""
    if value is None:
        return None
    text = str(value).strip()
    if _ISO_DATE.fullmatch(text[:10]):
        return text[:10]
    m = _ANY_DATE.search(text)
    return f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}" if m else None


@dataclass(frozen=True)
class Verdict:
    """One field of one page: its status, what was extracted and what was wanted."""

    status: Status
    got: Any = None
    want: Any = None
    #: what failed: a body's checks (start, end, chrome words, snippets), or "not extracted"
    why: str = ""

    @property
    def right(self) -> bool:
        return self.status == "right"


def judge(truth: Mapping[str, Any], got: Mapping[str, Any]) -> dict[str, Verdict]:
    """Every field of one page. ``got`` holds what an extractor returned. A field
    it lacks altogether (an extractor without click counts, a page parknews
    exported nothing for) is a miss wherever the truth states the field, even
    where an accepted answer is "none": not looking is not the same as finding
    that the page has none."""
    verdicts = {}
    for field in FIELDS:
        if field not in got:
            status: Status = "wrong" if _stated(field, truth) else "unscored"
            verdicts[field] = Verdict(status, None, _want(field, truth), "not extracted")
        elif field == "body":
            verdicts[field] = _judge_body(truth, got[field])
        else:
            verdicts[field] = _judge_value(field, truth, got[field])
    return verdicts


def _stated(field: str, truth: Mapping[str, Any]) -> bool:
    if field == "body":
        return truth.get("body_start") is not None or truth.get("body_end") is not None
    return truth.get(field) is not None


def _want(field: str, truth: Mapping[str, Any]) -> Any:
    if field == "body":
        return {"body_start": truth.get("body_start"), "body_end": truth.get("body_end")}
    return truth.get(field)


# ------------------------------------------------------------------ fields
def _judge_value(field: str, truth: Mapping[str, Any], got: Any) -> Verdict:
    value = _present(got)
    want = truth.get(field)
    accepted = [want, *truth.get("accept", {}).get(field, [])]
    same = _SAME[field]
    if any(same(value, candidate) for candidate in accepted):
        return Verdict("right" if want is not None else "unscored", got, want)
    return Verdict("wrong" if want is not None else "spurious", got, want)


def _present(value: Any) -> Any:
    """An empty or blank string is no value at all."""
    return None if isinstance(value, str) and not normalise(value) else value


def _same_text(got: Any, want: Any) -> bool:
    if got is None or want is None:
        return got is None and want is None
    return normalise(str(got)) == normalise(str(want))


def _same_date(got: Any, want: Any) -> bool:
    if got is None or want is None:
        return got is None and want is None
    return date_of(got) is not None and date_of(got) == date_of(want)


def _same_count(got: Any, want: Any) -> bool:
    if got is None or want is None:
        return got is None and want is None
    return type(got) is int and type(want) is int and got == want


_SAME = {
    "title": _same_text,
    "published": _same_date,
    "clicks": _same_count,
    "source": _same_text,
    "category": _same_text,
}


# -------------------------------------------------------------------- body
def _judge_body(truth: Mapping[str, Any], got: Any) -> Verdict:
    accept = truth.get("accept", {})
    starts = _texts([truth.get("body_start"), *accept.get("body_start", [])])
    ends = _texts([truth.get("body_end"), *accept.get("body_end", [])])
    body = _present(got)
    if not _stated("body", truth):
        return Verdict("unscored" if body is None else "spurious", got, None)
    problems = _body_problems(str(body or ""), starts, ends, truth)
    return Verdict("wrong" if problems else "right", got, _want("body", truth), "; ".join(problems))


def _body_problems(body: str, starts: Sequence[str], ends: Sequence[str], truth: Mapping[str, Any]) -> list[str]:
    """What keeps a body from being right: a wrong start or end, chrome beyond
    the page's ``boilerplate_allowed``, a missing ``contains`` snippet, a present
    ``not_contains`` one (the snippet checks of the fixture corpus)."""
    text = normalise(body)
    if not text:
        return ["empty"]
    problems = []
    if starts and not any(text.startswith(normalise(s)) for s in starts):
        problems.append("wrong start")
    if ends and not any(text.endswith(normalise(s)) for s in ends):
        problems.append("wrong end")
    allowed = {normalise(word) for word in truth.get("boilerplate_allowed", [])}
    chrome = [word for word in CHROME if normalise(word) in text and normalise(word) not in allowed]
    if chrome:
        problems.append("chrome " + " ".join(chrome))
    missing = [s for s in truth.get("contains", []) if normalise(s) not in text]
    if missing:
        problems.append("lacks " + " ".join(missing))
    present = [s for s in truth.get("not_contains", []) if normalise(s) in text]
    if present:
        problems.append("holds " + " ".join(present))
    return problems


def _texts(values: Sequence[Any]) -> list[str]:
    return [str(v) for v in values if v is not None and normalise(str(v))]
