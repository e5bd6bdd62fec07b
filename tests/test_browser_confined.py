"""The browser does not leave the site, end to end.

A real ``scrapy crawl parknews`` with ``PARKNEWS_RENDER=always`` renders
article pages that try every way out we know of (``tests/hostile.py``)
towards listeners on 127.0.0.2, 127.0.0.3 and another port of 127.0.0.1
(``tests/listeners.py``): no listener may receive anything — not a request,
not a bare connection, not a datagram — and every article must still be
exported with the click count its page shows. The same pages in a browser
without parknews's confinement do reach every listener: that is what keeps
the first test from passing by accident.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from parknews.clicks.render import MACHINE_ARGS, chromium_path
from parknews.replay import ReplayServer
from tests.hostile import LIST_PATH, VECTORS, Aim, HostileSite, articles
from tests.listeners import Listener, Listeners

#: Other hosts, and another port of the site's own host.
ADDRESSES = ("127.0.0.2", "127.0.0.3", "127.0.0.1")


@pytest.fixture
def listeners() -> Iterator[Listeners]:
    with Listeners() as opened:
        yield opened


def aim_everywhere(listeners: Listeners, addresses: tuple[str, ...] = ADDRESSES) -> list[Aim]:
    """Each vector at a listener of its own on each address it can be aimed at."""
    aims = []
    for vector in VECTORS:
        for address in addresses:
            if vector.only in (None, address):
                aims.append(Aim(vector, listeners.open(address, f"{vector.name} → {address}").hostport))
    return aims


def reached(found: list[Listener]) -> dict[str, list[bytes]]:
    return {listener.label: listener.received[:2] for listener in found if listener.received}


def test_rendering_hostile_pages_stays_on_the_site(listeners, crawl):
    pages = articles(aim_everywhere(listeners))
    with ReplayServer(routes=HostileSite(pages)) as server:
        result = crawl(server.url + LIST_PATH.lstrip("/"), "-s", "PARKNEWS_RENDER=always")
    assert reached(listeners.settled()) == {}
    assert result.code == 0, result.log[-3000:]
    exported = result.by_path()
    assert {a.path: exported.get(a.path, {}).get("clicks") for a in pages} == {a.path: a.shown_clicks for a in pages}
    lost = [a for a in pages if a.shown_clicks is None]
    assert result.stats["parknews/rendered"] == len(pages) - len(lost)
    assert result.stats["parknews/render_failed"] == len(lost)
    # Both layers had work to do: routes aborted requests, the gate refused connections.
    assert result.stats["parknews/browser/blocked"] > 0
    assert result.stats["parknews/browser/refused"] > 0


def test_the_same_pages_leave_the_site_in_an_unconfined_browser(listeners):
    from playwright.sync_api import sync_playwright

    # One listener per vector is enough to show it is a way out.
    aims = [Aim(v, listeners.open(v.only or ADDRESSES[0], v.name).hostport) for v in VECTORS]
    by_target = {aim.target: aim.vector.name for aim in aims}
    pages = articles(aims)
    with ReplayServer(routes=HostileSite(pages)) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=list(MACHINE_ARGS))
        context = browser.new_context()
        for article in pages:
            page = context.new_page()
            page.goto(server.url + article.path.lstrip("/"), wait_until="commit")
            mine = {aim.target for aim in article.aims if aim.vector.name != "unload-beacon"}
            listeners.wait_for(lambda found, mine=mine: all(f.received for f in found if f.hostport in mine), 10)
            page.close()  # the unload beacon goes now
        listeners.wait_for(lambda found: all(f.received for f in found), 10)
        browser.close()
    missed = sorted(by_target[f.hostport] for f in listeners.settled() if not f.received)
    assert missed == []
