"""``scrapy savefixture`` writes pages in the format the replay server serves."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from urllib.request import urlopen

from parknews.commands.savefixture import fixture_path
from parknews.evaluation.corpus import RECORD_FIELDS, Corpus
from parknews.replay import FIXTURES, REPLAY_SETTINGS, ReplayServer
from tests.conftest import PYTHON, ROOT, project_env, tree


def test_fixture_paths():
    assert fixture_path("https://www.ciipa.net/") == "site/index.html"
    assert fixture_path("https://www.ciipa.net/news/dfzt/1693.html") == "site/news/dfzt/1693.html"
    assert fixture_path("https://www.ciipa.net/news/zcjd/?page=2") == "site/news/zcjd/index__page=2.html"


def test_savefixture_round_trip(site, manifest, tmp_path):
    paths = ["/news/dfzt/1693.html", "/news/zcjd/?page=2", "/contact.html"]
    urls = [site.url.rstrip("/") + p for p in paths]
    proc = subprocess.run(
        [PYTHON, "-m", "scrapy", "savefixture", "--dir", str(tmp_path), *urls],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    saved = json.loads((tmp_path / "manifest.json").read_text("utf-8"))
    assert saved["origin"] == site.url.rstrip("/")
    assert sorted(saved["pages"]) == sorted(paths)
    for path in paths:
        original, copy = manifest["pages"][path], saved["pages"][path]
        assert copy["status"] == 200
        assert copy["headers"]["Content-Type"] == original["headers"]["Content-Type"]
        assert (tmp_path / copy["file"]).read_bytes() == (FIXTURES / original["file"]).read_bytes()
    # and the saved copy replays: same bytes, same headers
    with ReplayServer(tmp_path) as replay, urlopen(replay.url + "news/dfzt/1693.html") as response:
        assert response.headers["Content-Type"] == manifest["pages"][paths[0]]["headers"]["Content-Type"]
        assert response.read() == (FIXTURES / manifest["pages"][paths[0]]["file"]).read_bytes()


def test_savefixture_refuses_a_non_http_url(tmp_path):
    proc = subprocess.run(
        [PYTHON, "-m", "scrapy", "savefixture", "--dir", str(tmp_path), "file:///etc/passwd"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "'file:///etc/passwd' is not an http:// or https:// URL" in proc.stderr
    assert not (tmp_path / "manifest.json").exists()


def test_savefixture_without_dir_saves_into_a_new_directory_of_its_own(site, project):
    proc = subprocess.run(
        [PYTHON, "-m", "scrapy", "savefixture", site.url + "news/dfzt/1693.html"],
        cwd=project / "sub",
        env=project_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    [saved] = (project / "fixtures").iterdir()
    assert re.fullmatch(r"saved-\d{8}T\d{6}Z", saved.name)
    assert tree(project) == [
        f"fixtures/{saved.name}/manifest.json",
        f"fixtures/{saved.name}/site/news/dfzt/1693.html",
        "scrapy.cfg",
    ]  # and the crawl state is not touched: robots.txt is obeyed, not cached
    assert f"1 pages saved in {saved}" in proc.stderr


def savefixture(*args: str) -> subprocess.CompletedProcess[str]:
    relaxed = [arg for name, value in REPLAY_SETTINGS.items() for arg in ("-s", f"{name}={value}")]
    return subprocess.run(
        [PYTHON, "-m", "scrapy", "savefixture", *relaxed, *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_savefixture_expect_writes_draft_records_and_keeps_checked_ones(site, tmp_path):
    shutil.copy(FIXTURES / "manifest.json", tmp_path / "manifest.json")
    checked = {"/contact.html": {"kind": "other", "title": "联系我们"}}
    (tmp_path / "expected.json").write_text(json.dumps(checked, ensure_ascii=False), "utf-8")
    urls = [site.url + "news/dfzt/1693.html", site.url + "contact.html"]
    proc = savefixture("--dir", str(tmp_path), "--expect", *urls)
    assert proc.returncode == 0, proc.stderr[-2000:]
    # the same pages saved again: the manifest is byte for byte as generate.py wrote it
    assert (tmp_path / "manifest.json").read_bytes() == (FIXTURES / "manifest.json").read_bytes()
    records = json.loads((tmp_path / "expected.json").read_text("utf-8"))
    assert records == {
        "/contact.html": checked["/contact.html"],
        "/news/dfzt/1693.html": {
            "kind": "article",
            "title": "为高质量发展超越构筑“园区力量”",
            "published": "2020-09-25",
            "clicks": 2359,
            "source": "闽西新闻网",
            "category": "地方专题",
            "body_start": "龙岩9月25日讯 据闽西新闻网",
            "body_end": "8月底资金已支付6.53亿元。",
        },
    }
    assert "Kept the existing record of /contact.html" in proc.stderr and "--replace-expected" in proc.stderr
    assert list(Corpus.load(tmp_path).truth) == ["/news/dfzt/1693.html"]  # a corpus scrapy eval can score

    proc = savefixture("--dir", str(tmp_path), "--expect", "--replace-expected", urls[1])
    assert proc.returncode == 0, proc.stderr[-2000:]
    records = json.loads((tmp_path / "expected.json").read_text("utf-8"))
    assert records["/contact.html"] == {"kind": "other", **dict.fromkeys(RECORD_FIELDS)}
    assert records["/news/dfzt/1693.html"]["title"] == "为高质量发展超越构筑“园区力量”"


def test_savefixture_replace_expected_needs_expect(tmp_path):
    proc = savefixture("--dir", str(tmp_path), "--replace-expected", "http://127.0.0.1:9/")
    assert proc.returncode == 2
    assert "--replace-expected goes with --expect" in proc.stderr
    assert not (tmp_path / "manifest.json").exists()
