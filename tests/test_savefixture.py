"""``scrapy savefixture`` writes pages in the format the replay server serves."""

from __future__ import annotations

import json
import subprocess
from urllib.request import urlopen

from parknews.commands.savefixture import fixture_path
from parknews.replay import FIXTURES, ReplayServer
from tests.conftest import PYTHON, ROOT


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
