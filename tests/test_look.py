"""``scrapy parse`` and ``scrapy shell`` look at any URL with the project's
spider, and leave the state, the summary and the output alone."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import PYTHON, project_env, tree

ARTICLE = "news/dfzt/1693.html"


def scrapy(project, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [PYTHON, "-m", "scrapy", *args]
    return subprocess.run(cmd, cwd=project / "sub", env=project_env(), capture_output=True, text=True, timeout=120)


def test_parse_reads_a_page_on_any_host(site, project):
    proc = scrapy(project, "parse", "--spider", "parknews", "--nolog", site.url + ARTICLE)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "'title': '为高质量发展超越构筑“园区力量”'" in proc.stdout
    assert "'clicks': 2359" in proc.stdout
    assert tree(project) == ["scrapy.cfg"]  # no state, no summary, no output


def test_parse_follows_a_list_on_that_host(site, project):
    proc = scrapy(project, "parse", "--spider", "parknews", "--depth", "2", "--nolog", site.url + "news/dfzt/")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.count("'category': '地方专题'") >= 2  # the list's articles, fetched and read
    assert tree(project) == ["scrapy.cfg"]


@pytest.mark.parametrize("spider", [["--spider", "parknews"], []], ids=["parknews", "default"])
def test_shell_fetches_any_url(site, project, spider):
    code = "(response.status, '园区力量' in response.text)"
    proc = scrapy(project, "shell", *spider, "--nolog", "-c", code, site.url + ARTICLE)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "(200, True)"
    assert tree(project) == ["scrapy.cfg"]
