"""What a click-counter endpoint answers: ``document.write('2359')`` and its kin."""

from __future__ import annotations

import re

# document.write('2359'), el.innerHTML = "2,359", or the bare number.
_COUNTER_RES = (
    re.compile(r"document\.write(?:ln)?\(\s*['\"]?\s*(\d[\d,]*)"),
    re.compile(r"(?:innerHTML|innerText|textContent)\s*=\s*['\"]?\s*(\d[\d,]*)"),
    re.compile(r"^\s*['\"]?(\d[\d,]*)['\"]?\s*;?\s*$"),
)


def parse_counter(text: str) -> int | None:
    """The number a counter endpoint answers with, or None."""
    for pattern in _COUNTER_RES:
        m = pattern.search(text)
        if m:
            return int(m.group(1).replace(",", ""))
    return None
