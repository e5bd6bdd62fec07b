"""Where an article's text is: the run of lines that carries the most prose.

Every line of the page gets a score: prose (characters that are not link
text, sentence punctuation) counts for it; link lines, chrome and short
widget lines (font-size buttons, like counters, 关注) count against it.
The article is a run of lines with a high total — the maximum-subarray idea
of body-text extraction — so a table layout whose one cell holds the text
*and* the related-news list is cut where the links begin, and the widgets
at either end of the text fall away. Runs are found on the page's lines in
reading order; a run is only what the page shows between two stretches of
navigation, so it never depends on how the template nests its elements.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from parknews.pages.info import is_info_line
from parknews.pages.layout import Line
from parknews.vocab import BOILER_LINE_RE, JUNK_LINE_RE, NOTICE_START_RE, PROSE_PUNCT, SECTION_BREAK_RE

_ITEM_TAGS = frozenset({"li", "dd", "dt"})
_PUNCT = re.compile("[" + re.escape("".join(sorted(PROSE_PUNCT))) + "]")
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# A heading that only says "comments" (as a button it says the same: only a heading is a break).
_COMMENTS_HEADING = re.compile(r"^(?:评论|評論|留言|评论区|評論區|comments?|feedback)\s*[:：]?$", re.I)
# A toolbar's buttons: 【打印】【关闭】 …
_TOOL = re.compile(r"[【\[][^】\]]{1,8}[】\]]")
#: A notice (rights, disclaimer) is a short line; a sentence that mentions 版权所有 is text.
NOTICE_MAX = 120
# Phrases of Chinese between spaces: how some blogs write commas (a keyword
# dump's words are shorter than that).
_SPACED = re.compile(r"[\u4e00-\u9fff]{8,} (?=[\u4e00-\u9fff]{8,})")
_SPACED_MAX = 4
_LONG_PARAGRAPH = 400
#: Characters of plain text that count as one point (a sentence mark counts one and a half).
_CHARS_PER_POINT = 18
#: A section heading is short.
_HEADING_MAX = 30
#: What a run must gain to grow past lines that did not add to it.
_EXTEND_MARGIN = 5.0
#: Lines of text ads that may cut an article's text in two.
_AD_GAP = 4
#: The weight of a section heading: no run carries across it.
BREAK = -1000.0
# A list item's number: 一、 1、 1. (1) ① …
_ENUMERATED = re.compile(r"^(?:[一二三四五六七八九十]+、|\d{1,2}[、.．)）]\s*\S|[(（]\d{1,2}[)）]|[①-⑳])")

#: A run must score this much to be an article's text …
MIN_RUN_SCORE = 6.0
#: … or this much, a news flash's sentence, when it is the page's best.
FLASH_RUN_SCORE = 3.0


class Run(NamedTuple):
    start: int  # first line
    end: int  # one past the last line
    score: float


def line_score(line: Line, key: str) -> float:
    """How much a line looks like article text (positive) or page furniture
    (negative). ``key`` is the line as labels are matched."""
    text = line.text
    size = len(text) - text.count(" ")
    if size == 0:
        return 0.0
    links = line.link_chars
    if size <= _HEADING_MAX and (
        SECTION_BREAK_RE.search(key) or (line.owner.tag in _HEADINGS and _COMMENTS_HEADING.match(key))
    ):
        return BREAK  # 相关文章, 已有3条评论, a 评论 heading: the text has ended
    if line.boiler:
        return -(4 + size / 8)
    if links >= 0.6 * size or (line.lead_link and links >= 6 and line.owner.tag in _ITEM_TAGS):
        return -(2 + links / 8)  # a link line, or a list's teaser: headline link, then its summary
    if (size < NOTICE_MAX and BOILER_LINE_RE.search(key)) or NOTICE_START_RE.match(key):
        return -(3 + size / 10)  # rights, reprint notices; a disclaimer however long
    if is_info_line(key):
        return -(2 + size / 10)  # the info row marks where the text begins or ends
    tools = _TOOL.findall(text)
    if len(tools) >= 3 and sum(map(len, tools)) >= 0.5 * size:
        return -(2 + size / 10)  # 【我来说两句】【推荐】【打印】: a toolbar
    own = size - links
    punct = len(_PUNCT.findall(text)) + 0.5 * min(len(_SPACED.findall(text)), _SPACED_MAX)
    # length counts up to a long paragraph's, punctuation up to a sentence's density:
    # a keyword dump of thousands of words is not a thousand paragraphs
    score = min(own, _LONG_PARAGRAPH) / _CHARS_PER_POINT + 1.5 * min(punct, own / 6 + 1) - 1.5
    if _ENUMERATED.match(text):
        score += 1.5
    if JUNK_LINE_RE.match(key):
        return min(score, -1.0)
    return score


def runs(scores: list[float]) -> list[Run]:
    """The page's maximal positive runs of lines, best first: Kadane's scan,
    keeping every run that ends where its running total drops to zero."""
    found: list[Run] = []
    total, start, best, best_end = 0.0, 0, 0.0, 0
    for i, value in enumerate(scores):
        if total <= 0:
            if best > 0:
                found.append(Run(start, best_end, best))
            total, start, best, best_end = 0.0, i, 0.0, i
        total += value
        # past lines that did not add to the run, it only grows by more than a little:
        # what lies beyond a toolbar or a share box is seldom the text's last paragraph
        if total > best + (_EXTEND_MARGIN if i > best_end else 0):
            best, best_end = total, i + 1
    if best > 0:
        found.append(Run(start, best_end, best))
    return sorted(found, key=lambda r: -r.score)


def _ads_between(lines: list[Line], scores: list[float], start: int, end: int) -> bool:
    """Only a few link lines — text ads, 图片-新闻 links — lie between two runs."""
    gap = range(start, end)
    return 0 < len(gap) <= _AD_GAP and all(
        not lines[i].boiler and lines[i].link_chars and scores[i] > BREAK for i in gap
    )


def widen(run: Run, found: list[Run], scores: list[float], lines: list[Line], floor: int) -> Run:
    """Join to the article's run the runs that text ads cut off from it
    (a caption above four ad links, a paragraph below them); ``floor`` is
    the heading's line, above which nothing is joined; ``found`` are the
    page's runs."""
    found = [r for r in found if r.score >= MIN_RUN_SCORE]
    grown = True
    while grown:
        grown = False
        for other in found:
            if other.end <= run.start and other.start > floor and _ads_between(lines, scores, other.end, run.start):
                run, grown = Run(other.start, run.end, run.score + other.score), True
            elif other.start >= run.end and _ads_between(lines, scores, run.end, other.start):
                run, grown = Run(run.start, other.end, run.score + other.score), True
    return run


def best_run(found: list[Run], scores: list[float], after: int | None = None) -> Run | None:
    """The article's run: the best one, unless a run right after the title
    (``after``) is worth a good share of it, or the best one lies beyond a
    section heading — a short article followed by a long notice, a teaser
    list or a comment thread is still the article. A news flash's one
    sentence is a run too, when nothing weightier is on the page."""
    found = [r for r in found if r.score >= FLASH_RUN_SCORE]
    if not found:
        return None
    best = found[0]
    if after is None or best.score < MIN_RUN_SCORE:
        return best
    near = [
        r for r in found if r.score >= MIN_RUN_SCORE and (after < r.start <= after + 12 or r.start <= after < r.end)
    ]
    if near:
        first = min(near, key=lambda r: r.start)
        if first.score >= best.score * 0.25 or BREAK in scores[first.end : best.start]:
            return first  # what lies beyond a 相关文章 or 评论 heading is never the article
    return best
