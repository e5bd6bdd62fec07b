"""``scrapy savefixture`` writes pages in the format the replay server serves."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from urllib.request import urlopen

from parknews.commands.savefixture import fixture_path
from parknews.replay import FIXTURES, ReplayServer
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


def test_savefixture_into_the_fixtures_keeps_the_manifest_as_it_is(site, tmp_path):
    """Saving a page the fixtures already hold, as they hold it, changes not a byte."""
    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()
    shutil.copy(FIXTURES / "manifest.json", fixtures / "manifest.json")
    proc = subprocess.run(
        [PYTHON, "-m", "scrapy", "savefixture", "--dir", str(fixtures), site.url + "news/dfzt/1693.html"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (fixtures / "manifest.json").read_bytes() == (FIXTURES / "manifest.json").read_bytes()
    assert (fixtures / "site/news/dfzt/1693.html").read_bytes() == (FIXTURES / "site/news/dfzt/1693.html").read_bytes()
