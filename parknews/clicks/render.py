"""The browser for click counts that only JavaScript shows.

The browser is scrapy-playwright driving Chromium. It is configured here,
from the project's config, only when rendering is on: with
``PARKNEWS_RENDER = "never"`` nothing about a browser is imported or needed.
Where it may go is decided by its handler (``parknews.clicks.browser``).
"""

from __future__ import annotations

import json
import shutil
from typing import TYPE_CHECKING, Any

from parknews.vocab import CLICK_LABEL

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

    from parknews.config import ParknewsConfig

#: Debian/Ubuntu, Fedora/Arch and Chrome package names, tried in this order.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome")
_HANDLER = "parknews.clicks.browser.LazyPlaywrightHandler"
_BLOCKED_TYPES = frozenset({"image", "font", "media"})
#: How Chromium must start on these machines: without the background-networking
#: switches its own connections are refused by a closed network.
MACHINE_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
#: What parknews starts Chromium with: those, and WebRTC kept to the proxy (the
#: site's gate, parknews.clicks.gate), which carries no UDP, so it sends none.
CHROMIUM_ARGS = (*MACHINE_ARGS, "--webrtc-ip-handling-policy=disable_non_proxied_udp")

#: True once a click label in the rendered page is followed, on its own line, by its number
#: (not by the first digit of the next line, which would end the wait before the count is in).
_LABELLED_NUMBER = json.dumps(CLICK_LABEL + r"[^\S\n]*[:：]?[^\S\n]*[(（\[]?[^\S\n]*\d")
WAIT_FOR_CLICKS_JS = f"() => new RegExp({_LABELLED_NUMBER}).test(document.body ? document.body.innerText : '')"


def chromium_path(configured: str = "") -> str | None:
    """The Chromium to drive: ``PARKNEWS_CHROMIUM`` if set, else a system
    Chromium on PATH, else None (Playwright's own bundled browser)."""
    if configured:
        return configured
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def configure(settings: BaseSettings, config: ParknewsConfig) -> None:
    """Route requests through scrapy-playwright (only those with
    ``meta["playwright"]`` open a browser) and launch Chromium the way these
    machines need: headless, system binary, the switches of ``CHROMIUM_ARGS``
    after any given in ``PLAYWRIGHT_LAUNCH_OPTIONS["args"]``."""
    if not config.may_render:
        return
    handlers = {"http": _HANDLER, "https": _HANDLER}
    settings.set("DOWNLOAD_HANDLERS", {**settings.getdict("DOWNLOAD_HANDLERS"), **handlers}, priority="spider")
    launch: dict[str, Any] = dict(settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS"))
    if "executable_path" not in launch:
        path = chromium_path(config.chromium)
        if path:
            launch["executable_path"] = path
    launch.setdefault("headless", True)
    args = list(launch.get("args") or ())
    launch["args"] = args + [a for a in CHROMIUM_ARGS if a not in args]
    settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", launch, priority="spider")


async def abort_request(request: Any) -> bool:
    """Block what a click count never needs: images, fonts and media. (Other
    hosts are blocked by the handler, which knows the site.)"""
    return request.resource_type in _BLOCKED_TYPES
