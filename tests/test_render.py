"""The parts of the click-count path that need no browser."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy.settings import Settings

from parknews.clicks.counter import parse_counter
from parknews.clicks.render import CHROMIUM_ARGS, abort_request, chromium_path, configure
from parknews.config import ParknewsConfig


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


def test_chromium_starts_with_the_switches_these_machines_need_after_the_users():
    settings = Settings({"PLAYWRIGHT_LAUNCH_OPTIONS": {"args": ["--lang=zh-CN", "--disable-gpu"]}})
    config = ParknewsConfig(("http://127.0.0.1:8000/",), Path("state.sqlite"), "zh-hans", chromium="/opt/chrome/chrome")
    configure(settings, config)
    launch = settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")
    assert launch["args"] == ["--lang=zh-CN", "--disable-gpu", *(a for a in CHROMIUM_ARGS if a != "--disable-gpu")]
    assert launch["executable_path"] == "/opt/chrome/chrome"
    assert launch["headless"] is True
    assert "--webrtc-ip-handling-policy=disable_non_proxied_udp" in launch["args"]


@pytest.mark.parametrize(
    ("resource_type", "aborted"),
    [("image", True), ("font", True), ("media", True), ("document", False), ("script", False), ("fetch", False)],
)
def test_abort_request_drops_what_a_click_count_never_needs(resource_type, aborted):
    assert asyncio.run(abort_request(SimpleNamespace(resource_type=resource_type))) is aborted
