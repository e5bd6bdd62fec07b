"""``make demo`` on a fresh clone, as the README's first command: the Makefile's
own path, in a ``git clone`` of this checkout.

The clone uses this checkout's virtualenv (``make demo VENV=…``, see the
Makefile): its install stamp is named for requirements.txt and pyproject.toml,
so with the same files nothing is reinstalled and the test takes seconds. The
clone has the committed files only: commit before running it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from parknews.replay import FIXTURES
from tests.conftest import ROOT

EXPECTED = json.loads((FIXTURES / "expected.json").read_text("utf-8"))
UNIQUE = {e["url_path"] for e in EXPECTED.values() if e["kind"] == "article" and not e.get("duplicate_of")}
#: What a shell of the user's has, and nothing of this test run's (an enclosing make, pytest's imports).
DROPPED = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "PYTHONPATH", "SCRAPY_SETTINGS_MODULE")


def test_make_demo_on_a_fresh_clone(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=120)
    for name in ("requirements.txt", "pyproject.toml"):
        # else make would reinstall into this checkout's virtualenv, pointing its package at the clone
        assert (clone / name).read_bytes() == (ROOT / name).read_bytes(), f"commit {name} first"
    env = {k: v for k, v in os.environ.items() if k not in DROPPED}
    proc = subprocess.run(
        ["make", "--no-print-directory", "demo", f"VENV={Path(sys.prefix)}"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "pip install" not in proc.stdout  # the virtualenv was reused as it is
    lines = (clone / "data" / "demo.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == len(UNIQUE)
    last = proc.stdout.strip().splitlines()[-1]
    assert re.fullmatch(rf"Run summary: \d+ requests, {len(UNIQUE)} new, .* s \(summary in .*\)", last), last
    # the demo's state and summary lie beside its output, never the project's own
    assert sorted(p.name for p in (clone / "data").iterdir()) == [
        "demo.jsonl",
        "demo.last-run.json",
        "demo.state.sqlite",
        "demo.state.sqlite.lock",
    ]
    assert not (clone / ".parknews").exists()
