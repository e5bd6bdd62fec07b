"""Tests for parknews.text: repairing mirror and mis-decoded article text."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import ftfy
import opencc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parknews import text as T
from parknews.text import (
    SCRIPTS,
    fingerprint,
    fix_mojibake,
    normalise_whitespace,
    repair,
    restore_punctuation,
    strip_glosses,
    to_simplified,
)

# The visible text of the mirror copy of article 1693 (Traditional script,
# pinyin glosses, ASCII punctuation, no-break-space indentation), verbatim.
SEED_PAGE = (Path(__file__).resolve().parent.parent / "fixtures" / "seed" / "mirror-article-1693.txt").read_text(
    encoding="utf-8"
)

SEED_TITLE = "為高質量發(fā)展超越構筑“園區(qū)力量”"
SEED_BODY = SEED_PAGE[SEED_PAGE.index("龍巖9月25日訊") : SEED_PAGE.index("來源:")]
TITLE = "为高质量发展超越构筑“园区力量”"

TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
TONE_MARKED = re.compile(f"[{TONED}{TONED.upper()}\u0300\u0301\u0304\u030c]")
TRADITIONAL_ONLY = "區發產業園經開龍巖為質構聞網據訊標準設項劃進規礎資環綠護積極圍濟現"

S2T = opencc.OpenCC("s2t")
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def han(ch: str) -> bool:
    return bool(re.fullmatch(f"[{T._HAN}]", ch))


# --------------------------------------------------------------------------
# The seed article


def test_seed_title_line():
    assert repair(SEED_TITLE) == TITLE


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("工業(yè)(產業(yè))園區(qū)", "工业(产业)园区"),
        ("龍巖經(jīng)開區(qū)(高新區(qū))", "龙岩经开区(高新区)"),
        ("發(fā)布時間:2020-09-25 點擊數(shù):2359", "发布时间：2020-09-25 点击数：2359"),
        ("行動計劃》,通過標準化建設,全面提升工業(yè)(產業(yè))", "行动计划》，通过标准化建设，全面提升工业(产业)"),
        ("\xa0\xa0\xa0\xa0\xa0\xa0顧問連線?", "顾问连线?"),
    ],
)
def test_seed_fragments(raw, want):
    assert repair(raw) == want


def test_seed_body_is_clean_simplified():
    body = repair(SEED_BODY)
    assert not TONE_MARKED.search(body)
    assert not set(body) & set(TRADITIONAL_ONLY)
    assert "(q" not in body and "(f" not in body
    assert body.startswith("龙岩9月25日讯 据闽西新闻网报道 24日，位于蛟洋工业园的上杭县")
    assert body.endswith("8月底资金已支付6.53亿元。")
    assert body.count("工业(产业)园区") == SEED_BODY.count("工業(yè)(產業(yè))園區(qū)") == 11
    assert body.count("龙岩经开区(高新区)") == 2
    # Every paragraph of the page is one line, none glued, none split.
    paragraphs = [line for line in SEED_BODY.splitlines() if line.strip("\xa0 ")]
    assert len(body.splitlines()) == len(paragraphs) == 16
    assert "\n\n" not in body and "\xa0" not in body


def test_seed_page_repair_keeps_ascii_where_the_rule_says_so():
    page = repair(SEED_PAGE)
    assert "邮箱:ciipa@ciipa.net" in page  # followed by a Latin letter
    assert "96.5%;2019年" in page  # after a sign, not after a Han character
    assert "传真：0760-88261703" in page
    assert "您的当前位置: 首页" in page  # a space follows


def test_keep_script_strips_glosses_only():
    assert repair("龍巖經(jīng)開區(qū)(高新區(qū))", script="keep") == "龍巖經開區(高新區)"
    assert repair(SEED_TITLE, script="keep") == "為高質量發展超越構筑“園區力量”"
    kept = repair(SEED_BODY, script="keep")
    assert not TONE_MARKED.search(kept)
    assert "工業(產業)園區" in kept and "24日，位于蛟洋工業園" in kept


@pytest.mark.parametrize("script", ["zh-hant", "", "ZH-HANS", "simplified"])
def test_bad_script_is_rejected_by_name(script):
    with pytest.raises(ValueError, match=re.escape(repr(script))) as err:
        repair("园区", script=script)
    assert all(name in str(err.value) for name in SCRIPTS)


def test_scripts_constant():
    assert SCRIPTS == ("zh-hans", "keep")


# --------------------------------------------------------------------------
# Punctuation and whitespace


def test_full_width_punctuation_survives():
    text = "园区：“产业”（2020），发展。‘好’！真的？是；《计划》、「引」——完…"
    assert repair(text) == text
    assert fix_mojibake(text) == text


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("24日,位于", "24日，位于"),
        ("时间:10:30", "时间：10:30"),
        ("什么?我!你;他,“好”", "什么？我！你；他，“好”"),
        ("”,《", "”，《"),
        ("计划》,通过", "计划》，通过"),
        ("共计1,000元", "共计1,000元"),
        ("10:30", "10:30"),
        ("a:b", "a:b"),
        ("网址:http://example.com/a,b;c", "网址:http://example.com/a,b;c"),
        ("园区, 发展", "园区, 发展"),
        ("园区,", "园区,"),
        ("比分3:2,", "比分3:2,"),
    ],
)
def test_restore_punctuation(raw, want):
    assert restore_punctuation(raw) == want
    assert restore_punctuation(want) == want


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("\xa0\xa0龙岩\u3000讯\u200b", "龙岩 讯"),
        ("\u3000\u3000龙岩讯\t据\u2003报道\xa0\xa0 ", "龙岩讯 据 报道"),
        ("园\u200b区\u200c发\u200d展\u2060力\ufeff量\u00ad", "园区发展力量"),
        ("第一段\n\n\xa0\xa0第二段\r\n第三段\r第四段\n \n", "第一段\n第二段\n第三段\n第四段"),
        ("段一\u2029段二\u2028段三", "段一\n段二\n段三"),
        ("a  \t b", "a b"),
        ("", ""),
        ("\n\xa0\u3000\n", ""),
    ],
)
def test_normalise_whitespace(raw, want):
    assert normalise_whitespace(raw) == want


def test_one_pass_sees_through_zero_width_characters():
    assert T._repair_once("區\u200b(qū),\u200b發\ufeff", True) == "区，发"
    assert repair("區\u200b(qū),\u200b發") == "区，发"


def test_paragraphs_stay_separate_lines():
    raw = "\xa0\xa0第一段结束。\n\n\n\xa0\xa0第二段开始，\r\n第三段。"
    assert repair(raw) == "第一段结束。\n第二段开始，\n第三段。"


# --------------------------------------------------------------------------
# Mojibake


@pytest.mark.parametrize(
    "text",
    [TITLE, "龙岩经开区（高新区）南北环路网正式通车，“五园五路两配套”。", "发布时间：2020-09-25"],
)
@pytest.mark.parametrize("codec", ["latin-1", "sloppy-windows-1252", "macroman"])
def test_mojibake_is_repaired(text, codec):
    import ftfy.bad_codecs  # noqa: F401  (registers sloppy-windows-1252)

    broken = text.encode().decode(codec)
    assert broken != text
    assert fix_mojibake(broken) == text
    assert repair(broken) == text


def test_real_cp1252_mojibake():
    # What Python's own cp1252 codec makes of 园区发展 ("发" has byte 0x8F,
    # which cp1252 leaves undefined; browsers map it to U+008F).
    assert "园区".encode().decode("cp1252") == "å›\xadåŒº"
    assert fix_mojibake("å›\xadåŒº") == "园区"
    assert fix_mojibake("å›\xadåŒºå\x8f‘å±•") == "园区发展"
    assert fix_mojibake("龙岩讯 å›\xadåŒºå\x8f‘å±•，正文。") == "龙岩讯 园区发展，正文。"


def test_mojibake_after_indentation():
    # A leading no-break space makes ftfy give up on the whole line.
    line = "\xa0\xa0å›\xadåŒºå\x8f‘å±•\n\u3000å›\xadåŒºå\x8f‘å±•"
    assert ftfy.fix_text(line, T._FTFY_CONFIG).startswith("\xa0\xa0å›")
    assert fix_mojibake(line) == "\xa0\xa0园区发展\n\u3000园区发展"
    assert repair(line) == "园区发展\n园区发展"


def test_mojibake_with_lost_bytes_does_not_raise():
    # errors="ignore" drops the 0x8F of 发: what is left is not valid UTF-8.
    broken = "园区发展".encode().decode("cp1252", errors="ignore")
    assert fix_mojibake(broken).startswith("园区")
    assert repair(repair(broken)) == repair(broken)


def test_fix_mojibake_line_breaks():
    assert fix_mojibake("å›\xadåŒº\r\nå›\xadåŒº\rÃ©") == "园区\n园区\né"
    assert fix_mojibake("园区\r\n发展") == "园区\n发展"


def test_fix_mojibake_leaves_chinese_conventions_alone():
    assert fix_mojibake("“园区”，（一）：&amp; &lt;b&gt;") == "“园区”，（一）：&amp; &lt;b&gt;"
    assert fix_mojibake("ＡＢＣ１２３①") == "ＡＢＣ１２３①"  # no NFKC
    assert fix_mojibake("e\u0301 ‘x’ Müller") == "é ‘x’ Müller"  # NFC, quotes stay curly
    assert fix_mojibake(SEED_PAGE) == SEED_PAGE


def test_clean_alphabet_cannot_hold_mojibake():
    """The skip in fix_mojibake is sound for every code page ftfy undoes.

    A UTF-8 sequence is a lead byte (0xC2-0xF4) and continuation bytes
    (0x80-0xBF); if either kind always decodes outside the clean alphabet,
    no mojibake sequence fits inside it.
    """
    import ftfy.bad_codecs  # noqa: F401
    from ftfy.chardata import CHARMAP_ENCODINGS

    def clean(byte: int, codec: str) -> bool:
        return bool(T._MOJIBAKE_FREE.fullmatch(bytes([byte]).decode(codec, errors="replace")))

    assert "macroman" in CHARMAP_ENCODINGS and "sloppy-windows-1252" in CHARMAP_ENCODINGS
    for codec in CHARMAP_ENCODINGS:
        leads_clean = any(clean(b, codec) for b in range(0xC2, 0xF5))
        continuations_clean = any(clean(b, codec) for b in range(0x80, 0xC0))
        assert not (leads_clean and continuations_clean), codec


CLEAN_CHARS = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.sampled_from("\t\n\xa0·–—‘’“”…"),
    st.characters(min_codepoint=0x3000, max_codepoint=0x3029),
    st.characters(min_codepoint=0x3030, max_codepoint=0x303F),
    st.characters(min_codepoint=0x3400, max_codepoint=0x4DBF),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF),
    st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E),
    st.characters(min_codepoint=0xFFE0, max_codepoint=0xFFE6),
)


@FAST
@given(st.text(CLEAN_CHARS, max_size=60))
def test_skipping_ftfy_changes_nothing(text):
    assert T._MOJIBAKE_FREE.fullmatch(text)
    assert ftfy.fix_text(text, T._FTFY_CONFIG) == text
    assert unicodedata.is_normalized("NFC", text)


def test_clean_text_skips_ftfy(monkeypatch):
    body = repair(SEED_BODY)

    def fail(*args, **kwargs):
        raise AssertionError("ftfy ran on clean text")

    monkeypatch.setattr(ftfy, "fix_text", fail)
    assert fix_mojibake(body) == body
    assert fix_mojibake(TITLE) == TITLE
    with pytest.raises(AssertionError):
        fix_mojibake("Ã©")


# --------------------------------------------------------------------------
# Glosses and script


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("園區(qū)", "園區"),
        ("園區（qū）", "園區"),
        ("園區(QŪ)", "園區"),
        ("中(Zhōng)國(guó)", "中國"),
        ("區(qū)(qū)發", "區發"),
        ("女(nǚ)略(lüè)綠(lü)", "女略綠"),
        ("呣(ḿ)嗯(ńg)嗯(ňg)", "呣嗯嗯"),
        ("區(qu\u0304)", "區"),
        ("𠀀(fā)豈(qǐ)", "𠀀豈"),
        ("高新区(高新區)", "高新区(高新區)"),
        ("园区(2020)", "园区(2020)"),
        ("园区(a)", "园区(a)"),
        ("的(de)", "的(de)"),
        ("A(qū)", "A(qū)"),
        ("区 (qū)", "区 (qū)"),
        ("西安(Xī'ān)", "西安(Xī'ān)"),
        ("米勒(Müller)", "米勒(Müller)"),
        ("园区(fāzhǎn)", "园区(fāzhǎn)"),
        ("园区(ā b)", "园区(ā b)"),
        ("(qū)", "(qū)"),
    ],
)
def test_strip_glosses(raw, want):
    assert strip_glosses(raw) == want


def test_to_simplified():
    assert to_simplified("龍巖經開區(高新區)發布產業園區") == "龙岩经开区(高新区)发布产业园区"
    assert to_simplified("园区，“发展”") == "园区，“发展”"
    assert to_simplified("") == ""
    assert to_simplified("ASCII only") == "ASCII only"


def test_to_simplified_reaches_a_fixed_point():
    # One t2s pass gives 苧 (still Traditional); the next gives 苎.
    assert T._converter().convert("薴") == "苧"
    assert to_simplified("薴") == "苎"
    assert repair("薴麻") == repair(repair("薴麻")) == "苎麻"


def test_converter_is_built_once():
    assert T._converter() is T._converter()


@pytest.mark.parametrize(
    "text",
    ["龍\ud800區", "\udfff", "a\x00b龍", "\U0010ffff區", " \x0f\x0f\u3000Ã ", "园\xa0\xa0Ã©", "\x8cå›\xadåŒº0"],
)
def test_odd_code_points_do_not_raise(text):
    for function in (fix_mojibake, strip_glosses, restore_punctuation, to_simplified, normalise_whitespace):
        assert isinstance(function(text), str)
    assert repair(repair(text)) == repair(text)
    assert len(fingerprint(text, text)) == 40
    assert to_simplified("龍\ud800區") == "龙\ud800区"


# --------------------------------------------------------------------------
# Fingerprint


def test_fingerprint_mirror_equals_original():
    raw = fingerprint(SEED_TITLE, SEED_BODY)
    assert re.fullmatch("[0-9a-f]{40}", raw)
    assert raw == fingerprint(repair(SEED_TITLE), repair(SEED_BODY))
    assert raw == fingerprint(TITLE, repair(repair(SEED_BODY)))
    # The original is written with full-width brackets and 着 where the
    # mirror has ASCII brackets and 著.
    original = "标志着龙岩经开区（高新区）打通了又一条城乡交通脉络。"
    mirror = "\xa0\xa0標志著龍巖經(jīng)開區(qū)(高新區(qū))打通了又一條城鄉(xiāng)交通脈絡."
    assert fingerprint(TITLE, original) == fingerprint(SEED_TITLE, mirror)


def test_fingerprint_separates_articles():
    base = fingerprint(TITLE, repair(SEED_BODY))
    assert fingerprint("另一篇文章", repair(SEED_BODY)) != base
    assert fingerprint(TITLE, repair(SEED_BODY).replace("2000万元", "3000万元")) != base
    assert fingerprint(TITLE, "") != base
    assert fingerprint("园区", "发展") != fingerprint("园区发", "展")
    assert fingerprint("", "") != fingerprint("a", "")


def test_fingerprint_ignores_noise():
    assert fingerprint("园区", "发展") == fingerprint(" 園區(qū)！", "\u200b發(fā)展。\n")
    assert fingerprint("Park ２０２０", "x") == fingerprint("park 2020", "X")


# --------------------------------------------------------------------------
# Properties

SIMPLIFIED = "园区发展产业工龙岩经开高新为质量构筑力标准化建设项目规划基础设施投资创平台市县全省年月日个亿元万"
TRADITIONAL = "園區發展產業龍巖經開為質構築標準設項規劃礎資創臺縣萬億"
SYLLABLES = ["qū", "fā", "yè", "jīng", "lián", "xiāng", "zhuàng", "nǚ", "lüè", "ér", "ǹg", "GUÓ", "Zhōng", "qu\u0304"]

han_chars = st.sampled_from(SIMPLIFIED + TRADITIONAL) | st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
glosses = st.builds(
    lambda open_, syllable, close: open_ + syllable + close,
    st.sampled_from("(（"),
    st.sampled_from(SYLLABLES),
    st.sampled_from(")）"),
)
noise = st.sampled_from(
    [
        *[" ", "\xa0\xa0", "\u3000", "\t", "\n", "\r\n", "\u200b", "\u00ad"],  # layout
        *",:;!?，。：“”‘’《》()（）",  # punctuation
        *["2020", "1,000", "10:30", "abc", "de"],  # text that must stay as it is
        *["Ã©", "å›\xadåŒº", "\x8f", "\ud800", "ﬁ", "e\u0301", "\x1b[0m"],  # mojibake, odd code points
    ]
)
mirror_like = st.lists(
    st.one_of(han_chars, glosses, noise, st.tuples(han_chars, glosses).map("".join), st.characters()),
    max_size=40,
).map("".join)


@FAST
@given(st.one_of(st.text(max_size=80), mirror_like))
def test_repair_never_raises_and_is_idempotent(text):
    for script in SCRIPTS:
        once = repair(text, script)
        assert repair(once, script) == once
    for function in (fix_mojibake, strip_glosses, restore_punctuation, to_simplified, normalise_whitespace):
        assert isinstance(function(text), str)
    assert re.fullmatch("[0-9a-f]{40}", fingerprint(text, text))


@FAST
@given(mirror_like)
def test_fingerprint_is_the_same_before_and_after_repair(text):
    assert fingerprint(text, text) == fingerprint(repair(text), repair(text))


# A piece of text as (with glosses, without glosses, is a real group).
_plain = st.one_of(
    han_chars,
    st.sampled_from(["2020", "abc", "de", " ", "\n", "，", "。", "、", "“", "”", "a(qū)", "1(fā)", "区 (qū)"]),
).map(lambda s: (s, s, False))
_glossed_han = st.tuples(han_chars, st.lists(glosses, min_size=1, max_size=2)).map(
    lambda t: (t[0] + "".join(t[1]), t[0], False)
)
_group = st.tuples(
    st.sampled_from(["(", "（"]),
    st.text(st.sampled_from(SIMPLIFIED + TRADITIONAL + "0123456789abcdeXYZ"), min_size=1, max_size=6),
    st.sampled_from([")", "）"]),
).map(lambda t: ("".join(t), "".join(t), True))


@FAST
@given(st.lists(st.one_of(_plain, _glossed_han, _group), max_size=30))
def test_strip_glosses_keeps_text_and_real_parentheses(pieces):
    raw = "".join(p[0] for p in pieces)
    out = strip_glosses(raw)
    assert out == "".join(p[1] for p in pieces)
    assert [c for c in out if han(c)] == [c for c in raw if han(c)]
    # Every real parenthesised group survives, in order.
    position = 0
    for piece, _, is_group in pieces:
        if is_group:
            assert piece in out[position:]
            position = out.index(piece, position) + len(piece)
    assert not TONE_MARKED.search(out.replace("a(qū)", "").replace("1(fā)", "").replace("区 (qū)", ""))


_simplified_text = st.lists(
    st.one_of(
        st.sampled_from(SIMPLIFIED),
        st.sampled_from([*"，：；！？。、“”《》（）", "2020", "10", "\n"]),
    ),
    max_size=40,
).map("".join)
_ASCII = str.maketrans("，：；！？（）", ",:;!?()")


@FAST
@given(_simplified_text, st.data())
def test_fingerprint_ignores_mirror_rendering(text, data):
    rendered = []
    for ch in text:
        if ch in "，：；！？（）" and data.draw(st.booleans()):
            ch = ch.translate(_ASCII)
        rendered.append(ch)
        if han(ch) and data.draw(st.booleans()):
            rendered.append(data.draw(glosses))
        if data.draw(st.integers(0, 9)) == 0:
            rendered.append(data.draw(st.sampled_from(["\xa0\xa0", "\u3000", " ", "\u200b", "\n\n"])))
    mirror = "".join(rendered)
    assert fingerprint("标题", text) == fingerprint("标题", mirror)
    assert fingerprint("标题", text) == fingerprint("標題", S2T.convert(mirror))


def test_fingerprint_of_repaired_text_skips_nothing_that_matters():
    title, body = SEED_TITLE, SEED_BODY
    fixed_title, fixed_body = repair(title), repair(body)
    assert fingerprint(fixed_title, fixed_body, repaired=True) == fingerprint(title, body)


@pytest.mark.parametrize("original", ["宁浩在园区签约", "借借东风的园区", "干宅项目落户园区", "标志着园区发展"])
def test_fingerprint_survives_phrase_level_traditional_variants(original):
    # OpenCC's s2t writes some phrases with variants that t2s keeps (宁浩 -> 甯浩)
    mirror = opencc.OpenCC("s2t").convert(original)
    assert mirror != original
    assert fingerprint(mirror, mirror) == fingerprint(original, original)
