"""The ratchet: figures recorded in the repository that a change may not lower.

The floor file holds, per corpus name and field, the number of pages
parknews got right (``right``) and how many pages stated that field when it
was recorded (``stated``)::

    {"realworld-dev": {"title": {"right": 57, "stated": 72}, …}, "fixtures": {…}}

A run whose count falls below a recorded ``right`` fails. Raising writes the
higher counts back and leaves every other figure as it was, so a figure can
only go up; lowering one is a deliberate edit of the file, with its reason in
the commit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parknews.evaluation.results import PARKNEWS, CorpusResult
from parknews.evaluation.scoring import FIELDS

Floor = dict[str, dict[str, dict[str, int]]]


class FloorError(ValueError):
    """A floor file that cannot be used; the message is one line naming it."""


@dataclass(frozen=True)
class Shortfall:
    corpus: str
    field: str
    right: int
    floor: int
    stated: int

    def __str__(self) -> str:
        return (
            f"{self.corpus} {self.field}: {self.right} pages right, below the floor of {self.floor} (of {self.stated})"
        )


def read_floor(path: Path, missing_ok: bool = False) -> Floor:
    """The recorded figures; an absent file is an empty floor only when it is about to be written."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        if missing_ok:
            return {}
        raise FloorError(f"floor file {str(path)!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FloorError(f"floor file {str(path)!r} cannot be read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise FloorError(f"floor file {str(path)!r} is not JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(data, dict):
        raise FloorError(f"floor file {str(path)!r} is not a JSON object of corpora")
    for corpus, fields in data.items():
        if not isinstance(fields, dict):
            raise FloorError(f"floor file {str(path)!r}: {corpus!r} is not an object of fields")
        for name, figure in fields.items():
            if name not in FIELDS or not _is_figure(figure):
                raise FloorError(
                    f"floor file {str(path)!r}: {corpus}.{name} is not a field with whole numbers right and stated"
                )
    return data


def shortfalls(floor: Floor, results: list[CorpusResult]) -> list[Shortfall]:
    """Every field of a scored corpus whose count is below its recorded floor."""
    out = []
    for result in results:
        for name, figure in floor.get(result.corpus.name, {}).items():
            right = result.count(PARKNEWS, name, "right")
            if right < figure["right"]:
                out.append(Shortfall(result.corpus.name, name, right, figure["right"], result.stated(name)))
    return out


def raised(floor: Floor, results: list[CorpusResult]) -> Floor:
    """The floor with every figure that this run beat (or had not recorded) raised to it."""
    new: Floor = {corpus: {name: dict(figure) for name, figure in fields.items()} for corpus, fields in floor.items()}
    for result in results:
        fields = new.setdefault(result.corpus.name, {})
        for name in FIELDS:
            right = result.count(PARKNEWS, name, "right")
            if name not in fields or right > fields[name]["right"]:
                fields[name] = {"right": right, "stated": result.stated(name)}
    return new


def _is_figure(figure: Any) -> bool:
    return (
        isinstance(figure, dict)
        and all(type(figure.get(key)) is int and figure[key] >= 0 for key in ("right", "stated"))
        and figure["right"] <= figure["stated"]
    )
