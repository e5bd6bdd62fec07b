"""JSON files people read, correct and diff: manifests, expected records, floors, reports."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from parknews.files import mode_for


def dumps(obj: Any) -> str:
    """The one layout of the project's JSON files (``fixtures/generate.py`` writes
    the same): UTF-8 text, two-space indent, keys in their given order, so that a
    file rewritten with one more record differs from the old one by that record."""
    return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"


def write_json(path: Path, obj: Any) -> None:
    """Write ``obj`` to ``path`` whole or not at all: a temporary file beside it is
    moved into place, so an interrupted write never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        os.fchmod(fd, mode_for(path, replacing=True))
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(dumps(obj))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
