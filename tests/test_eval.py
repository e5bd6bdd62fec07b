"""``scrapy eval``: the scoring rules on records written here, the figures and the
floor, and the command end to end on a small corpus of pages written here."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
from pathlib import Path

import pytest

from parknews.evaluation.corpus import Corpus, CorpusError
from parknews.evaluation.floor import FloorError, raised, read_floor, shortfalls
from parknews.evaluation.peers import from_gne, from_trafilatura
from parknews.evaluation.results import PARKNEWS, CorpusResult, Reading
from parknews.evaluation.scoring import FIELDS, date_of, judge, normalise
from parknews.pages import Document, classify
from parknews.replay import FIXTURES
from tests.conftest import PYTHON, ROOT, fixture_response, scrapy_env

TRUTH = {
    "title": "为高质量发展超越构筑“园区力量”",
    "published": "2020-09-25",
    "clicks": 2359,
    "source": "闽西新闻网",
    "category": "地方专题",
    "body_start": "龙岩9月25日讯 据闽西新闻网报道",
    "body_end": "8月底资金已支付6.53亿元。",
}
RIGHT = {
    "title": TRUTH["title"],
    "published": "2020-09-25T10:30:00+08:00",
    "clicks": 2359,
    "source": "闽西新闻网",
    "category": "地方专题",
    "body": "龙岩9月25日讯 据闽西新闻网报道 24日，蛟洋工业园加紧施工。\n筑巢引凤\n8月底资金已支付6.53亿元。",
}


def statuses(truth: dict, got: dict) -> dict[str, str]:
    return {name: v.status for name, v in judge(truth, got).items()}


# ------------------------------------------------------------------ scoring
def test_a_correct_record_is_right_on_every_field():
    assert statuses(TRUTH, RIGHT) == dict.fromkeys(FIELDS, "right")


def test_texts_compare_after_nfkc_straight_quotes_and_no_whitespace():
    assert normalise("“园区 力量”\n\u3000ＡＢ１，") == '"园区力量"AB1,'
    got = dict(RIGHT, title='为高质量发展 超越构筑"园区力量"', source="闽西新闻网\u3000", category="地方 专题")
    got["body"] = "龙岩９月２５日讯据闽西新闻网报道……\n8 月底资金已支付 6.53 亿元。"
    assert statuses(TRUTH, got) == dict.fromkeys(FIELDS, "right")
    assert statuses(TRUTH, dict(RIGHT, title="为高质量发展超越构筑园区力量"))["title"] == "wrong"  # quotes still count


def test_accept_lists_hold_other_right_values():
    truth = dict(
        TRUTH,
        accept={
            "title": ["為高質量發展超越構築“園區力量”"],
            "source": [None],
            "clicks": [2400],
            "body_start": ["摘要：龙岩9月25日讯"],
            "body_end": ["（责任编辑：林晓）"],
        },
    )
    got = dict(RIGHT, title="為高質量發展超越構築“園區力量”", source=None, clicks=2400)
    got["body"] = "摘要：龙岩9月25日讯，工程正在加紧施工。\n（责任编辑：林晓）"
    assert statuses(truth, got) == dict.fromkeys(FIELDS, "right")
    assert statuses(truth, dict(got, source="闽西日报", clicks=2300))["source"] == "wrong"
    assert statuses(truth, dict(got, clicks=2300))["clicks"] == "wrong"


def test_published_is_compared_on_its_date():
    assert date_of("2020-09-25T10:30:00+08:00") == "2020-09-25"
    assert date_of("发布时间：2020年9月5日 10:30") == "2020-09-05"
    assert date_of("2020/09/25 10:30:00") == "2020-09-25"
    assert date_of("昨天 10:30") is None
    for value in ("2020-09-25", "2020年09月25日 08:00", "Posted 2020.9.25"):
        assert statuses(TRUTH, dict(RIGHT, published=value))["published"] == "right", value
    for value in ("2020-09-24", "09-25 10:30", None):
        assert statuses(TRUTH, dict(RIGHT, published=value))["published"] == "wrong", value


def test_clicks_are_whole_numbers():
    assert statuses(TRUTH, dict(RIGHT, clicks="2359"))["clicks"] == "wrong"
    assert statuses(TRUTH, dict(RIGHT, clicks=2358))["clicks"] == "wrong"
    assert statuses(TRUTH, dict(RIGHT, clicks=True))["clicks"] == "wrong"


def test_a_body_must_start_and_end_right_and_hold_no_chrome():
    def body(text: str, truth: dict = TRUTH) -> tuple[str, str]:
        v = judge(truth, dict(RIGHT, body=text))["body"]
        return v.status, v.why

    start, end = TRUTH["body_start"], TRUTH["body_end"]
    assert body(f"{start}。\n{end}") == ("right", "")
    assert body(f"当前位置：首页 > 地方专题\n{start}。\n{end}") == ("wrong", "wrong start; chrome 当前位置")
    assert body(f"{start}。\n{end}\n相关文章") == ("wrong", "wrong end")
    assert body(f"{start}。\n上一篇：园区招商会举行\n{end}") == ("wrong", "chrome 上一篇")
    assert body(f"{start}。\n分享到：微信 微博　版权所有\n{end}") == ("wrong", "chrome 分享到 版权所有")
    assert body("") == ("wrong", "empty")
    allowed = dict(TRUTH, boilerplate_allowed=["版权所有"])
    assert body(f"{start}，须获得版权所有者许可。\n{end}", allowed) == ("right", "")
    assert body(f"{start}。\n下一篇\n{end}", allowed) == ("wrong", "chrome 下一篇")


def test_fixture_snippets_are_part_of_the_body():
    truth = dict(TRUTH, contains=["蛟洋工业园"], not_contains=["来源"])
    assert statuses(truth, RIGHT)["body"] == "right"
    v = judge(truth, dict(RIGHT, body=RIGHT["body"].replace("蛟洋工业园", "工地") + "\n来源:闽西新闻网"))["body"]
    assert (v.status, v.why) == ("wrong", "wrong end; lacks 蛟洋工业园; holds 来源")


def test_a_null_truth_is_not_scored_and_a_value_there_is_spurious():
    truth = dict(TRUTH, clicks=None, source=None, published=None, accept={"published": ["2020-09-25"]})
    got = statuses(truth, dict(RIGHT, source=None))
    assert (got["clicks"], got["source"], got["published"]) == ("spurious", "unscored", "unscored")
    assert statuses(truth, dict(RIGHT, published="2020-09-24"))["published"] == "spurious"
    assert statuses(truth, dict(RIGHT, published=" "))["published"] == "unscored"  # a blank value is no value


def test_fields_a_peer_does_not_extract_are_its_misses():
    gne = from_gne({"title": TRUTH["title"], "author": "闽西新闻网", "publish_time": "2020-09-25 10:30", "content": ""})
    assert statuses(TRUTH, gne) == {
        "title": "right",
        "published": "right",
        "clicks": "wrong",
        "source": "wrong",
        "category": "wrong",
        "body": "wrong",
    }
    assert statuses(TRUTH, from_trafilatura(None)) == dict.fromkeys(FIELDS, "wrong")
    assert statuses(dict(TRUTH, clicks=None), from_gne(None))["clicks"] == "unscored"
    # where "no source" is an accepted answer, parknews finding none is right; a peer not looking is not
    none_accepted = dict(TRUTH, accept={"source": [None]})
    assert statuses(none_accepted, dict(RIGHT, source=None))["source"] == "right"
    assert statuses(none_accepted, gne)["source"] == "wrong"
    assert statuses(none_accepted, {})["source"] == "wrong"  # a page parknews exported nothing for


# ------------------------------------------------------------------ figures
def corpus_of(truth: dict[str, dict]) -> Corpus:
    return Corpus(Path("/corpora/mini"), {p: {"file": "x"} for p in truth}, truth)


def test_figures_count_stated_right_and_spurious_pages():
    corpus = corpus_of({"/a": TRUTH, "/b": dict(TRUTH, clicks=None), "/c": TRUTH})
    readings = {
        "/a": Reading("article", {PARKNEWS: RIGHT, "gne": from_gne({"title": TRUTH["title"]})}),
        "/b": Reading("article", {PARKNEWS: dict(RIGHT, title="园区力量"), "gne": from_gne({"title": TRUTH["title"]})}),
    }
    result = CorpusResult.score(corpus, readings, (PARKNEWS, "gne"))
    figures = result.figures()
    assert figures["title"] == {"stated": 3, PARKNEWS: {"right": 1, "spurious": 0}, "gne": {"right": 2, "spurious": 0}}
    assert figures["clicks"] == {"stated": 2, PARKNEWS: {"right": 1, "spurious": 1}, "gne": {"right": 0, "spurious": 0}}
    assert [(p.path, p.kind, [name for name, _ in bad]) for p, bad in result.failures()] == [
        ("/b", "article", ["title", "clicks"]),
        ("/c", "not fetched", list(FIELDS)),
    ]
    assert result.peer_wins("gne") == {"title": ["/b"], "published": [], "body": []}
    text = result.render()
    assert "/c  [not fetched: nothing exported]" in text
    assert "title      got '园区力量'  want '为高质量发展超越构筑“园区力量”'" in text
    assert "clicks     spurious: got 2359, the truth is null" in text


def test_floor_fails_below_and_is_only_ever_raised(tmp_path):
    result = CorpusResult.score(
        corpus_of({"/a": TRUTH, "/b": TRUTH}),
        {"/a": Reading("article", {PARKNEWS: RIGHT}), "/b": Reading("article", {PARKNEWS: dict(RIGHT, body="")})},
        (PARKNEWS,),
    )
    floor = {"mini": {"title": {"right": 1, "stated": 2}, "body": {"right": 2, "stated": 2}}, "other": {}}
    assert [str(s) for s in shortfalls(floor, [result])] == ["mini body: 1 pages right, below the floor of 2 (of 2)"]
    new = raised(floor, [result])
    assert new["mini"]["title"] == {"right": 2, "stated": 2}
    assert new["mini"]["body"] == {"right": 2, "stated": 2}  # never lowered
    assert new["mini"]["clicks"] == {"right": 2, "stated": 2}  # recorded for the first time
    assert new["other"] == {} and floor["mini"]["title"]["right"] == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "is not JSON"),
        ('{"mini": {"title": {"right": 3, "stated": 2}}}', "mini.title is not a field"),
        ('{"mini": {"author": {"right": 1, "stated": 2}}}', "mini.author is not a field"),
        ('{"mini": {"title": {"right": "3", "stated": 4}}}', "mini.title is not a field"),
    ],
)
def test_a_broken_floor_file_is_named(tmp_path, content, message):
    path = tmp_path / "floor.json"
    path.write_text(content, "utf-8")
    with pytest.raises(FloorError, match=message):
        read_floor(path)
    with pytest.raises(FloorError, match="does not exist"):
        read_floor(tmp_path / "none.json")
    assert read_floor(tmp_path / "none.json", missing_ok=True) == {}


def test_the_fixture_corpus_scores_every_field_on_every_page(manifest):
    """The fixtures' expected.json is in the scored schema, and parknews is right on all of it."""
    corpus = Corpus.load(FIXTURES)
    readings = {}
    for path in corpus.truth:
        page = classify(Document.from_response(fixture_response(path, manifest)))
        readings[path] = Reading(page.kind, {PARKNEWS: vars(page.to_item())})
    result = CorpusResult.score(corpus, readings, (PARKNEWS,))
    for name, figure in result.figures().items():
        assert figure[PARKNEWS] == {"right": figure["stated"], "spurious": 0}, name
    expected = json.loads((FIXTURES / "expected.json").read_text("utf-8"))
    assert result.stated("title") == len(corpus.truth) == sum(e["kind"] == "article" for e in expected.values())


# ------------------------------------------------------------ the command
PAGE = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}" />
<title>{title}_园区动态_滨江产业园</title></head>
<body>
<div class="nav"><a href="/">首页</a> <a href="/news/">新闻中心</a> <a href="/about.html">关于我们</a></div>
<div class="place">当前位置：<a href="/">首页</a> &gt; <a href="/news/">新闻中心</a> &gt;
<a href="/news/yqdt/">园区动态</a></div>
<div class="article">
<h1>{title}</h1>
<div class="info">发布时间：{date}　点击：{clicks}　来源：{source}</div>
<div class="content">
{body}
</div>
<div class="share">分享到：微信 微博</div>
<ul class="updown"><li>上一篇：<a href="/news/yqdt/0228.html">滨江产业园举办春季招聘会</a></li>
<li>下一篇：<a href="/news/yqdt/0305.html">园区道路改造工程开工</a></li></ul>
</div>
<div class="footer">版权所有 滨江产业园管理委员会 电话：0571-12345678</div>
</body></html>
"""
ARTICLES = {
    "/news/yqdt/0301.html": dict(
        title="滨江产业园新增五家高新技术企业",
        date="2024-03-01",
        clicks=356,
        source="滨江日报",
        paragraphs=[
            "3月1日，记者从滨江产业园管委会获悉，园区今年首批新认定的五家高新技术企业名单已经公布，"
            "涉及新材料、智能制造和生物医药三个领域。",
            "管委会负责人介绍，园区去年起为申报企业提供一对一辅导，帮助企业梳理研发项目、规范研发费用归集。",
            "目前园区高新技术企业总数达到四十二家，占规模以上工业企业的三成以上。",
        ],
    ),
    "/news/yqdt/0302.html": dict(
        title="园区标准化厂房二期项目通过竣工验收",
        date="2024-03-02",
        clicks=88,
        source="滨江发布",
        paragraphs=[
            "3月2日，滨江产业园标准化厂房二期项目顺利通过竣工验收，新建厂房六栋，总建筑面积八万平方米。",
            "项目采用多层厂房设计，首层层高八米，楼面荷载满足精密加工和电子装配企业的需要。",
            "园区将同步完善周边道路、供电和污水管网等配套设施，确保企业入驻后尽快投产。",
        ],
    ),
    "/news/yqdt/0303.html?from=list": dict(
        title="园区开展安全生产大检查",
        date="2024-03-03",
        clicks=128,
        source="园区安监办",
        paragraphs=[
            "近日，滨江产业园组织安全生产检查组，对园区内的化工、仓储和建筑施工企业开展了为期一周的安全生产大检查。",
            "检查组共检查企业三十六家，发现并督促整改隐患五十余处，对两家企业下达了停产整改通知。",
            "园区将建立隐患整改台账，实行销号管理，确保每一处隐患都整改到位。",
        ],
    ),
}
ABOUT = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>关于我们</title></head>
<body><div>联系电话：0571-12345678</div></body></html>"""


def truth_of(fields: dict) -> dict:
    return {
        "title": fields["title"],
        "published": fields["date"],
        "clicks": fields["clicks"],
        "source": fields["source"],
        "category": "园区动态",
        "body_start": fields["paragraphs"][0][:15],
        "body_end": fields["paragraphs"][-1][-15:],
    }


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """Four pages: two right articles (one GBK served as UTF-8, as Chinese CMSs do), one whose
    record states a date the page does not show and no click count where the page shows one,
    and a contact page recorded as an article, which parknews reads as no article at all."""
    root = tmp_path / "mini"
    (root / "site").mkdir(parents=True)
    manifest, expected = {"pages": {}}, {}
    for n, (path, fields) in enumerate(ARTICLES.items()):
        charset = "gb2312" if n == 1 else "utf-8"
        body = "\n".join(f"<p>{p}</p>" for p in fields["paragraphs"])
        html = PAGE.format(charset=charset, body=body, **fields)
        (root / f"site/{n}.html").write_bytes(html.encode("gbk" if n == 1 else "utf-8"))
        manifest["pages"][path] = {
            "file": f"site/{n}.html",
            "status": 200,
            "headers": {"Content-Type": "text/html; charset=utf-8"},
        }
        expected[path] = truth_of(fields)
    expected["/news/yqdt/0303.html?from=list"].update(published="2024-03-04", clicks=None)
    (root / "site/about.html").write_text(ABOUT, "utf-8")
    manifest["pages"]["/about.html"] = {
        "file": "site/about.html",
        "status": 200,
        "headers": {"Content-Type": "text/html"},
    }
    expected["/about.html"] = dict.fromkeys(truth_of(ARTICLES["/news/yqdt/0301.html"]))
    expected["/about.html"].update(title="关于我们", body_start="联系电话", body_end="0571-12345678")
    (root / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    (root / "expected.json").write_text(json.dumps(expected, ensure_ascii=False), "utf-8")
    return root


def scrapy_eval(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "scrapy", "eval", *args], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env
    )


def test_eval_scores_a_corpus_through_scrapy(mini, tmp_path):
    report = tmp_path / "out" / "report.json"
    proc = scrapy_eval(str(mini), "--report", str(report))
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(report.read_text("utf-8"))
    peers = [name for name in ("gne", "trafilatura") if importlib.util.find_spec(name)]
    assert data["extractors"] == [PARKNEWS, *peers]
    fields = data["corpora"]["mini"]["fields"]
    got = {name: (f["stated"], f[PARKNEWS]["right"], f[PARKNEWS]["spurious"]) for name, f in fields.items()}
    assert got == {
        "title": (4, 3, 0),
        "published": (3, 2, 0),
        "clicks": (2, 2, 1),
        "source": (3, 3, 0),
        "category": (3, 3, 0),
        "body": (4, 3, 0),
    }
    for peer in peers:
        assert fields["clicks"][peer] == {"right": 0, "spurious": 0}
    verdicts = data["corpora"]["mini"]["verdicts"]
    assert verdicts["/news/yqdt/0302.html"][PARKNEWS] == dict.fromkeys(FIELDS, "right")  # decoded as a crawl decodes it
    assert verdicts["/about.html"]["kind"] == "other"
    failures = {(f["page"], f["field"], f["status"], f["got"]) for f in data["corpora"]["mini"]["failures"]}
    assert failures == {
        ("/news/yqdt/0303.html?from=list", "published", "wrong", "2024-03-03"),
        ("/news/yqdt/0303.html?from=list", "clicks", "spurious", 128),
        ("/about.html", "title", "wrong", None),
        ("/about.html", "body", "wrong", None),
    }
    assert "mini: 4 article pages" in proc.stdout
    assert "published  got '2024-03-03'  want '2024-03-04'" in proc.stdout
    assert "/about.html  [other: nothing exported]" in proc.stdout
    assert "INFO" not in proc.stderr  # quiet: the report is the output


def test_eval_under_a_floor_it_misses_exits_1_and_raises_only_what_went_up(mini, tmp_path):
    """With the peers not importable: the command says so and scores parknews alone."""
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    for name in ("gne", "trafilatura"):
        (blocked / f"{name}.py").write_text("raise ImportError('not installed')\n", "utf-8")
    floor = tmp_path / "floor.json"
    floor.write_text(json.dumps({"mini": {"title": {"right": 1, "stated": 4}, "body": {"right": 4, "stated": 4}}}))
    report = tmp_path / "report.json"
    env = scrapy_env(PYTHONPATH=f"{blocked}:{ROOT}")
    proc = scrapy_eval(str(mini), "--report", str(report), "--floor", str(floor), "--raise-floor", env=env)
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "GNE and trafilatura are not installed" in proc.stdout and "scoring parknews" in proc.stdout
    assert json.loads(report.read_text("utf-8"))["extractors"] == [PARKNEWS]
    assert proc.stderr.strip().splitlines()[-1] == (
        "parknews: eval: mini body: 3 pages right, below the floor of 4 (of 4)"
    )
    recorded = json.loads(floor.read_text("utf-8"))["mini"]
    assert recorded["title"] == {"right": 3, "stated": 4}
    assert recorded["body"] == {"right": 4, "stated": 4}
    assert recorded["clicks"] == {"right": 2, "stated": 2}
    assert "Floor raised: mini title 1 → 3" in proc.stdout


@pytest.mark.parametrize(
    "broken", ["no manifest", "page not in manifest", "report inside", "report unwritable", "no such dir"]
)
def test_a_bad_corpus_stops_before_anything_with_exit_2(mini, tmp_path, broken):
    report = tmp_path / "report.json"
    if broken == "no manifest":
        (mini / "manifest.json").unlink()
        want = f"corpus {str(mini)!r} has no manifest.json"
    elif broken == "page not in manifest":
        expected = json.loads((mini / "expected.json").read_text("utf-8"))
        expected["/news/yqdt/0399.html"] = expected["/about.html"]
        (mini / "expected.json").write_text(json.dumps(expected), "utf-8")
        want = f"corpus {str(mini)!r}: page '/news/yqdt/0399.html' of expected.json is not in manifest.json"
    elif broken == "report inside":
        report = mini / "report.json"
        want = f"report {str(report)!r} would be written inside corpus {str(mini)!r}"
    elif broken == "report unwritable":
        (tmp_path / "data").write_text("a file, not a directory", "utf-8")
        report = tmp_path / "data" / "report.json"
        want = f"output directory {str(report.parent)!r} cannot be created: File exists"
    else:
        mini = tmp_path / "none"
        want = f"corpus {str(mini)!r} is not a directory"
    proc = scrapy_eval(str(mini), "--report", str(report))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"parknews: error: {want}"
    assert not report.exists()


def test_corpus_errors_name_the_record(mini):
    expected = json.loads((mini / "expected.json").read_text("utf-8"))
    del expected["/about.html"]["clicks"]
    (mini / "expected.json").write_text(json.dumps(expected), "utf-8")
    with pytest.raises(CorpusError, match=re.escape("the record of page '/about.html' lacks clicks")):
        Corpus.load(mini)
