"""Shared test tools: the fixture site on 127.0.0.1, a real ``scrapy crawl``, a
throwaway project, and a guard that no test writes the checkout's own state,
summary, output or fixtures."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from scrapy.http import HtmlResponse, Request

from parknews.middlewares import CharsetFixMiddleware
from parknews.replay import FIXTURES, ReplayServer, crawl_command, load_manifest

#: ``redis_server``: a real Redis on 127.0.0.1 for the distributed mode's tests.
pytest_plugins = ["tests.redis_server"]

ROOT = Path(__file__).resolve().parent.parent
#: What runs in the checkout would write: the user's state, lock, summary and
#: output, and the committed fixtures. Tests use temporary directories only.
GUARDED = (".parknews", "data", "fixtures")


def _snapshot() -> dict[str, tuple[int, int]]:
    files: dict[str, tuple[int, int]] = {}
    for name in GUARDED:
        for path in (ROOT / name).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                info = path.stat()
                files[str(path.relative_to(ROOT))] = (info.st_size, info.st_mtime_ns)
    return files


@pytest.fixture(autouse=True)
def checkout_untouched():
    """Fail the test that created, changed or removed a file of the checkout's
    own state, output, summary or fixtures."""
    before = _snapshot()
    yield
    after = _snapshot()
    changed = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    if changed:
        pytest.fail(f"the test wrote into the checkout: {', '.join(changed)}")


@dataclass
class CrawlResult:
    code: int
    items: list[dict[str, Any]]
    stats: dict[str, Any]
    log: str
    out: Path
    summary: dict[str, Any]

    def by_path(self) -> dict[str, dict[str, Any]]:
        from urllib.parse import urlsplit

        return {urlsplit(i["url"]).path: i for i in self.items}


@pytest.fixture(scope="session")
def manifest() -> dict[str, Any]:
    return load_manifest()


@pytest.fixture(scope="session")
def expected() -> dict[str, Any]:
    return json.loads((FIXTURES / "expected.json").read_text("utf-8"))


@pytest.fixture(scope="session")
def site():
    with ReplayServer() as server:
        yield server


@pytest.fixture
def crawl(tmp_path: Path):
    """Run ``scrapy crawl parknews`` in a subprocess, as a user would."""
    state = tmp_path / "state.sqlite"

    def run(
        start_urls: str, *extra: str, out: Path | None = None, state_path: Path = state, umask: int = -1
    ) -> CrawlResult:
        """``umask``: the crawl process's (-1: this one's)."""
        out = out or tmp_path / "out.jsonl"
        stats_file = tmp_path / "last-run.json"
        cmd = crawl_command(start_urls, out, state_path, *extra, summary=stats_file)
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, umask=umask)
        items = [json.loads(line) for line in out.read_text("utf-8").splitlines()] if out.exists() else []
        summary = json.loads(stats_file.read_text("utf-8")) if stats_file.exists() else {}
        if stats_file.exists():
            stats_file.unlink()
        return CrawlResult(proc.returncode, items, summary.get("stats", {}), proc.stderr, out, summary)

    return run


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project of its own: this one's ``scrapy.cfg`` (the code comes from the
    checkout), with a subdirectory ``sub/`` to run commands from."""
    root = tmp_path / "project"
    (root / "sub").mkdir(parents=True)
    shutil.copy(ROOT / "scrapy.cfg", root / "scrapy.cfg")
    return root


def tree(root: Path) -> list[str]:
    """Every file under ``root``, relative to it."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def project_env() -> dict[str, str]:
    """The environment of a command run in :func:`project`: the checkout's code, the project's scrapy.cfg."""
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(ROOT)
    return env


def fixture_response(path: str, manifest: dict[str, Any], base: str = "http://127.0.0.1:8000") -> HtmlResponse:
    """A fixture page as the spider sees it: replayed headers, charset fixed."""
    entry = manifest["pages"][path]
    body = (FIXTURES / entry["file"]).read_bytes()
    request = Request(base + path)
    response = HtmlResponse(
        request.url, status=entry.get("status", 200), headers=entry["headers"], body=body, request=request
    )
    return CharsetFixMiddleware().process_response(request, response)


def crawled_clicks(record: dict[str, Any]) -> int | None:
    """The click count a complete crawl exports for a fixture article: the one its
    counter serves where a script writes it (``clicks_served``), else the one the
    HTML shows (``clicks``)."""
    return record["clicks_served"] if "clicks_via" in record else record["clicks"]


def scrapy_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="parknews.settings", PYTHONPATH=str(ROOT))
    env.update(extra)
    return env


PYTHON = sys.executable
