"""A corpus: saved pages with the truth about them, in the fixture format.

``manifest.json`` maps each URL path (with query) to the saved file, status
and headers, as ``parknews.replay`` serves them; ``expected.json`` holds, per
path, the record a correct extraction gives: ``title``, ``published``
(``YYYY-MM-DD`` or null), ``clicks`` (only a count the HTML itself shows),
``source``, ``category``, ``body_start`` and ``body_end``, optionally
``accept`` (other right values per field) and ``boilerplate_allowed``.
Records with a ``kind`` other than ``article`` (lists, hubs in the fixtures)
are not scored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from parknews.items import Article

#: The fields every article record states (a null is a statement: "the page shows none").
RECORD_FIELDS: tuple[str, ...] = ("title", "published", "clicks", "source", "category", "body_start", "body_end")
#: How much of the body's first and last line a record written from an extraction keeps.
SNIPPET_CHARS = 15


class CorpusError(ValueError):
    """A corpus directory that cannot be scored; the message is one line naming it."""


@dataclass(frozen=True)
class Corpus:
    root: Path
    #: manifest entries by path
    pages: dict[str, dict[str, Any]]
    #: the expected records of the article pages, in the file's order
    truth: dict[str, dict[str, Any]]

    @property
    def name(self) -> str:
        """What the corpus is called in reports and in the floor file: its directory's name."""
        return self.root.name

    @classmethod
    def load(cls, root: Path) -> Corpus:
        """Read and check a corpus before anything is fetched, so that a broken
        one stops the run with its name instead of scoring half of it."""
        root = Path(root).resolve()
        if not root.is_dir():
            raise CorpusError(f"corpus {str(root)!r} is not a directory")
        manifest = _read_object(root, "manifest.json")
        expected = _read_object(root, "expected.json")
        pages = manifest.get("pages")
        if not isinstance(pages, dict):
            raise CorpusError(f'{str(root / "manifest.json")!r} has no "pages" object')
        truth = {}
        for path, record in expected.items():
            if path not in pages:
                raise CorpusError(f"corpus {str(root)!r}: page {path!r} of expected.json is not in manifest.json")
            if not isinstance(record, dict):
                raise CorpusError(f"corpus {str(root)!r}: the record of page {path!r} is not an object")
            if record.get("kind", "article") != "article":
                continue
            missing = [name for name in RECORD_FIELDS if name not in record]
            if missing:
                raise CorpusError(f"corpus {str(root)!r}: the record of page {path!r} lacks {', '.join(missing)}")
            file = root / str(pages[path].get("file", ""))
            if not file.is_file():
                raise CorpusError(f"corpus {str(root)!r}: the file of page {path!r} ({str(file)!r}) does not exist")
            truth[path] = record
        return cls(root, pages, truth)


def record_of(kind: str, item: Article | None) -> dict[str, Any]:
    """A page's current extraction as an ``expected.json`` record, for a person
    to check and correct: the fields as exported (``published`` cut to its
    date), the first and last characters of the body, and the page's kind."""
    body = (item.body or "") if item is not None else ""
    lines = body.split("\n")
    return {
        "kind": kind,
        "title": item.title if item else None,
        "published": item.published[:10] if item and item.published else None,
        "clicks": item.clicks if item else None,
        "source": item.source if item else None,
        "category": item.category if item else None,
        "body_start": lines[0][:SNIPPET_CHARS] if body else None,
        "body_end": lines[-1][-SNIPPET_CHARS:] if body else None,
    }


def _read_object(root: Path, name: str) -> dict[str, Any]:
    path = root / name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CorpusError(f"corpus {str(root)!r} has no {name}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{str(path)!r} cannot be read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise CorpusError(f"{str(path)!r} is not JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(data, dict):
        raise CorpusError(f"{str(path)!r} is not a JSON object")
    return data
