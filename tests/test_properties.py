"""Properties of the text repair and the extractor on input nobody wrote on purpose.

tests/test_text.py has the repair's properties on short strings and on
strip_glosses alone; these add what hostile input needs: any code point
(lone surrogates included) and long strings, Han characters and real
parentheses kept by the whole chain, mirror renderings of realistic
Simplified text, and an extractor that never raises on broken HTML.
"""

from __future__ import annotations

import re
import unicodedata

import opencc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parknews.pages import ArticlePage, Document, ListPage, classify
from parknews.text import SCRIPTS, fingerprint, repair, to_simplified

PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
S2T = opencc.OpenCC("s2t")

# ------------------------------------------------------------------ text
#: Every code point, lone surrogates and unassigned ones included.
any_char = st.characters(exclude_categories=())
any_text = st.text(any_char, max_size=300)

#: Words of park news, so generated text converts the way articles do.
#: (Random strings of Simplified characters are not: OpenCC's phrase tables
#: make a few nonsense pairs like 借借 -> 藉藉 one-way.)
WORDS = " ".join(
    [
        "园区 产业 发展 项目 建设 投资 企业 标准化 厂房 高质量 经开区 高新区 招商 签约 数字化",
        "管理 平台 服务 政策 规划 基础设施 工业 制造业 新材料 生物医药 智能装备 电子信息 龙岩",
        "上杭 中山 宜宾 福建 广东 四川 亿元 万元 年 月 日 召开 会议 指出 推进 加快 完成 实现",
        "提升 优化 营商环境 创新 科技 人才 就业 税收 产值 增长 同比 累计 目前 今年以来 下一步",
        "据介绍 记者 报道 来源 发布 点击 污水处理 管网 工程 施工 总投资 设计规模 配套 道路 通车",
        "交通 城乡 标志着 集群 链条 龙头 骨干 中小企业 专精特新 孵化器 众创空间 研发 成果转化",
        "资金 补助 专项债 省级 市级 县级 重点 开工 投产 竣工 考察 调研 座谈 对接 洽谈 合作",
        "协议 签署 仪式 领导 书记 主任 局长 园区管委会 工作人员 群众 服务中心",
    ]
).split()
_SIMPLIFIED_PUNCT = ["，", "。", "、", "；", "：", "？", "！", "“", "”", "（", "）", "《", "》", "2020", "6.53", "\n"]
simplified_text = st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(_SIMPLIFIED_PUNCT)), max_size=50).map(
    "".join
)

SYLLABLES = ["qū", "fā", "yè", "jīng", "lián", "xiāng", "zhuàng", "nǚ", "lüè", "ér", "GUÓ", "Zhōng", "qu\u0304"]
gloss = st.builds("{}{}{}".format, st.sampled_from("(（"), st.sampled_from(SYLLABLES), st.sampled_from(")）"))


def is_han(ch: str) -> bool:
    name = unicodedata.name(ch, "")
    return name.startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH"))


def hans(text: str) -> list[str]:
    # NFC is part of the repair, and it maps compatibility ideographs to unified ones
    return [ch for ch in unicodedata.normalize("NFC", text) if is_han(ch)]


def is_subsequence(part: list[str], whole: list[str]) -> bool:
    rest = iter(whole)
    return all(ch in rest for ch in part)


# Text that mixes anything with the things repair acts on.
mixed_text = st.lists(
    st.one_of(
        any_char,
        st.sampled_from(WORDS),
        st.builds("{}{}".format, st.sampled_from("園區發產業龍巖經開"), gloss),
        st.sampled_from(["Ã©", "å›\xadåŒº", "\xa0\xa0", "\u3000", "\u200b", ",", ":", "(2020)", "(高新區)", "\r\n"]),
    ),
    max_size=60,
).map("".join)


@PROPERTY
@given(st.one_of(any_text, mixed_text, st.text(any_char, min_size=2000, max_size=4000)))
def test_repair_never_raises_is_idempotent_and_keeps_every_han_character(text):
    for script in SCRIPTS:
        once = repair(text, script)
        assert repair(once, script) == once
    assert len(fingerprint(text, text)) == 40
    # Glosses are Latin: what goes is never a Han character. Mojibake repair may add some.
    assert is_subsequence(hans(text), hans(repair(text, "keep")))
    assert len(hans(repair(text))) >= len(hans(text))  # Traditional -> Simplified maps, never drops


# A piece of text as (raw, is a real parenthesised group).
_group_content = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(["2020", "de", "abc", "fāzhǎn", "Xī'ān", "Müller", "高新區", "一", "B2"]),
    st.builds("{}{}".format, st.sampled_from(WORDS), st.sampled_from(["2020", "区", "產業"])),
)
_real_group = st.builds("{}{}{}".format, st.sampled_from("(（"), _group_content, st.sampled_from(")）")).map(
    lambda g: (g, True)
)
_other_piece = st.one_of(
    st.sampled_from(WORDS),
    st.builds("{}{}".format, st.sampled_from("園區發產業工業"), gloss),
    st.sampled_from(["，", "。", " ", "\n", ",", ":", "\xa0", "、"]),
).map(lambda p: (p, False))


@PROPERTY
@given(st.lists(st.one_of(_real_group, _other_piece), min_size=1, max_size=25))
def test_repair_keeps_real_parentheses_and_their_content(pieces):
    raw = "".join(p for p, _ in pieces)
    groups = [p for p, real in pieces if real]
    kept = repair(raw, "keep")
    position = 0
    for group in groups:  # verbatim and in order
        position = kept.index(group, position) + len(group)
    parens = re.compile("[(（)）]")
    assert len(parens.findall(kept)) == 2 * len(groups)  # and the glosses' parentheses are all gone
    simplified = repair(raw)
    assert parens.findall(simplified) == [ch for g in groups for ch in parens.findall(g)]
    assert "".join(hans(simplified)) == to_simplified("".join(hans(kept)))


_ASCII_PUNCT = str.maketrans("，：；！？（）", ",:;!?()")


def mirror_rendering(text: str, data: st.DataObject) -> str:
    """What a mirror site makes of an article: Traditional script, pinyin
    after some characters, ASCII punctuation, indentation, zero-width marks."""
    out = []
    for line in S2T.convert(text).split("\n"):
        pieces = [data.draw(st.sampled_from(["", "\xa0\xa0\xa0\xa0", "\u3000\u3000", "  "]))]
        for ch in line:
            if ch in "，：；！？（）" and data.draw(st.booleans()):
                ch = ch.translate(_ASCII_PUNCT)
            pieces.append(ch)
            if is_han(ch) and data.draw(st.integers(0, 3)) == 0:
                pieces.append(data.draw(gloss))
            if data.draw(st.integers(0, 15)) == 0:
                pieces.append(data.draw(st.sampled_from(["\u200b", "\ufeff", " "])))
        out.append("".join(pieces))
    return data.draw(st.sampled_from(["\n", "\n\n", "\r\n"])).join(out)


@PROPERTY
@given(simplified_text, simplified_text, st.data())
def test_mirror_rendering_of_simplified_text_has_the_same_fingerprint(title, body, data):
    title = title.replace("\n", "")
    mirror_title, mirror_body = mirror_rendering(title, data), mirror_rendering(body, data)
    assert fingerprint(title, body) == fingerprint(mirror_title, mirror_body)
    assert fingerprint(title, body) == fingerprint(repair(mirror_title), repair(mirror_body))


# -------------------------------------------------------------- extractor
BASE = "http://127.0.0.1:8000/news/dfzt/1693.html"

_LABELS = [
    "发布时间：2020-09-25",
    "發布時間:2020-09-25 10:30",
    "点击数：2,359",
    "点击：",
    "浏览次数：(12)",
    "来源：闽西新闻网",
    "來源:",
    "当前位置：首页 > 新闻中心 > 地方专题 >",
    "您的位置: 首页 &gt; 园区动态",
    "上一篇：",
    "下一篇：没有了",
    "下一页",
    "下一頁",
    "2",
    "末页",
    "分享到：",
    "相关文章",
    "版权所有",
    "新闻中心",
    "文章中心",
    "责任编辑：张三",
    "2020-13-45 25:61",
    "2020年9月25日",
]
_PROSE = [
    "龙岩9月25日讯 据闽西新闻网报道，园区建设正在加紧施工。",
    "项目总投资21643万元，新建污水收集管网63847米，设计规模为日处理污水2万吨。",
    "園區(qū)小助手:13380884233",
    "全国热线：400-002-1668",
    "æ™ºèƒ½è£…å¤‡äº§ä¸šå›­",
    "Ã©",
]
_JUNK = [
    "\x00",
    "\ufffd",
    "&#0;",
    "&#xD800;",
    "&#1114112;",
    "&bogus;",
    "&amp",
    "<",
    ">",
    "</html>",
    "</body>",
    "<html>",
    "<body>",
    "</div>",
    "</p></p>",
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "<?php echo 1 ?>",
    "<br/>",
    "<p",
    "\r",
    "\x1b",
    "\U0001f600",
    "\ud800",
    "x" * 3000,
]
_TAGS = [
    "div", "p", "span", "a", "table", "tbody", "tr", "td", "th", "ul", "ol", "li", "dl", "dd", "h1", "h2", "h3",
    "article", "section", "main", "nav", "header", "footer", "aside", "form", "font", "b", "em", "strong", "br",
    "img", "script", "style", "noscript", "title", "meta", "link", "base", "iframe", "time", "html", "body",
    "head", "select", "option", "textarea", "center", "svg", "math", "template", "frameset", "xmp", "plaintext",
]  # fmt: skip
_HREFS = [
    "/news/dfzt/1706.html",
    "1721.html?from=list",
    "list_3_2.html",
    "?page=2",
    "#top",
    "",
    "   ",
    "javascript:void(0)",
    "JavaScript:alert(1)",
    "mailto:ciipa@ciipa.net",
    "tel:400-002-1668",
    "data:text/html,<b>x</b>",
    "http://[",
    "http://[::1",
    "http://127.0.0.1:99999/news/1.html",
    "http://127.0.0.1:8000@evil.example/news/12.html",
    "//other.example/news/12.html",
    "https://www.ciipa.net/news/dfzt/1693.html",
    "http://127.0.0.1:8000/news/dfzt/1693.html#x",
    "\x00/news/12.html",
    "/news/%zz/12.html",
    "/news/%E5%9B%AD/12.html",
    "/news/\u56ed/13.html",
]
_ATTRS = st.one_of(
    st.tuples(st.just("href"), st.sampled_from(_HREFS)),
    st.tuples(st.sampled_from(["class", "id"]), st.sampled_from(["content", "nav", "share", "footer", "news-list",
                                                                "pagination", "arc-body", "place", "hot", ""])),
    st.tuples(st.just("rel"), st.sampled_from(["next", "canonical", "prev", "nofollow"])),
    st.tuples(st.sampled_from(["name", "property", "itemprop"]),
              st.sampled_from(["og:title", "article:published_time", "og:type", "datePublished", "description"])),
    st.tuples(st.sampled_from(["content", "datetime"]),
              st.sampled_from(["2020-09-25T10:30:00+08:00", "2020-01-01T10:00:00+24:00", "article", "", "9" * 40])),
    st.tuples(st.sampled_from(["src", "charset", "http-equiv", "style", "onclick"]),
              st.sampled_from(["/plus/count.php?aid=1693", "http://[", "gbk", "x-unknown", "display:none", ""])),
)  # fmt: skip
_text = st.one_of(st.sampled_from(_LABELS), st.sampled_from(_PROSE), st.sampled_from(_JUNK), st.text(max_size=20))


def _attribute(name: str, value: str, quote: str) -> str:
    return f" {name}={quote}{value}{quote}" if quote else f" {name}={value.replace(' ', '')}"


@st.composite
def _element(draw: st.DrawFn, children: st.SearchStrategy[str]) -> str:
    tag = draw(st.sampled_from(_TAGS))
    attrs = draw(st.lists(st.tuples(_ATTRS, st.sampled_from(['"', "'", ""])), max_size=3))
    opening = f"<{tag}{''.join(_attribute(n, v, q) for (n, v), q in attrs)}>"
    inner = "".join(draw(st.lists(children, max_size=5)))
    closing = draw(st.sampled_from([f"</{tag}>", f"</{tag}>", "", f"</{draw(st.sampled_from(_TAGS))}>"]))
    return opening + inner + closing


markup = st.recursive(_text, lambda children: _element(children), max_leaves=40)


@st.composite
def html_pages(draw: st.DrawFn) -> str | bytes:
    """Whole pages: a plausible head and body around random markup, sometimes
    raw bytes with broken UTF-8, sometimes the markup alone."""
    body = "".join(draw(st.lists(markup, min_size=1, max_size=8)))
    shape = draw(st.sampled_from(["page", "fragment", "bytes"]))
    if shape == "fragment":
        return body
    title = draw(st.sampled_from(["为高质量发展超越构筑“园区力量”_地方专题_产城创投", "", "新闻中心", "x" * 500]))
    page = f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head><body>{body}</body></html>"
    if shape == "page":
        return page
    data = page.encode("utf-8", "surrogatepass")
    cut = draw(st.integers(0, len(data)))
    return (
        data[:cut] + draw(st.sampled_from([b"\xff\xfe", b"\xe5\x9b", b"\xc0\xaf", b"\xed\xa0\x80", b""])) + data[cut:]
    )


def exercise(doc: Document) -> None:
    page = classify(doc)
    assert page.kind in ("article", "list", "hub", "other")
    article, listing = ArticlePage(doc), ListPage(doc)
    assert isinstance(article.body_lines, list)
    for link in [*listing.article_links, *listing.pagination]:
        assert link.url.startswith(("http://", "https://")) and "#" not in link.url
        assert doc.same_host(link.url)
    item = article.to_item()
    assert item.url.startswith("http")
    assert item.published is None or re.fullmatch(r"\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\d\+08:00)?", item.published)
    assert item.clicks is None or item.clicks >= 0


@PROPERTY
@given(html_pages())
def test_extractor_never_raises_on_broken_html(html):
    exercise(Document.from_html(html, BASE))


@PROPERTY
@given(st.one_of(st.binary(max_size=2000), st.text(any_char, max_size=2000)))
def test_extractor_never_raises_on_noise(data):
    exercise(Document.from_html(data, BASE))


@pytest.mark.parametrize(("tag", "depth"), [("div", 10_000), ("table", 3_000), ("p", 10_000)])
def test_extractor_survives_deep_nesting(tag, depth):
    """libxml2 stops nesting at 2048 levels; the walk is iterative, so no recursion limit either."""
    prose = "园区建设正在加紧施工，项目总投资21643万元。" * 5
    html = (
        f"<html><body>{f'<{tag}>' * depth}<h1>标题文字很长</h1><p>发布时间：2020-09-25</p><p>{prose}</p></body></html>"
    )
    exercise(Document.from_html(html, BASE))
