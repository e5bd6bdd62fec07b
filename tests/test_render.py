"""The parts of the click-count path that need no browser."""

from __future__ import annotations

import pytest

from parknews.clicks.counter import parse_counter
from parknews.clicks.render import chromium_path


@pytest.mark.parametrize(
    ("body", "clicks"),
    [
        ("document.write('2359');", 2359),
        ('document.write("2,359")', 2359),
        ("document.writeln(17)", 17),
        ('document.getElementById("hits").innerHTML = "512";', 512),
        ("  4321\n", 4321),
        ("4321", 4321),
        ("'88';", 88),
        ("<h1>500 Internal Server Error</h1>", None),
        ("", None),
    ],
)
def test_parse_counter(body, clicks):
    assert parse_counter(body) == clicks


def test_configured_chromium_wins(tmp_path):
    assert chromium_path("/opt/chrome/chrome") == "/opt/chrome/chrome"
