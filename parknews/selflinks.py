"""Links from a list page to itself with only a counter changed: a crawl trap.

A list whose items link to ``?id=1``, ``?id=2`` … of the list's own address
serves the same list under every one of them; following each would fetch the
list once per item. Old dynamic sites also serve real articles that way
(``news.php?page=2`` lists ``news.php?id=123``), so the address alone cannot
tell. The spider opens the first such link as a *probe* and holds back the
others: an article behind it releases them, anything else (the list again, a
page that is no article) means the family are variants of the list, and none
of them is fetched — then, nor by a later run (the state keeps the list's
address, :func:`family`).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit, urlunsplit


def _counter(value: str) -> bool:
    return value.isdigit()


def family(url: str) -> str:
    """The address a list and its counter variants share: the URL without its query."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path, "", ""))


def is_counter_variant(url: str, page: str) -> bool:
    """Whether ``url`` is ``page`` with only counter query parameters changed:
    the same scheme, host and path, and every parameter that differs (added,
    removed or given another value) a whole number on the side that has it."""
    link, here = urlsplit(url), urlsplit(page)
    if (link.scheme, link.netloc.lower(), link.path) != (here.scheme, here.netloc.lower(), here.path):
        return False
    ours = dict(parse_qsl(link.query, keep_blank_values=True))
    theirs = dict(parse_qsl(here.query, keep_blank_values=True))
    changed = [name for name in ours.keys() | theirs.keys() if ours.get(name) != theirs.get(name)]
    if not changed:
        return False  # the page itself (its canonical form is left out of its list already)
    return all(_counter(side[name]) for name in changed for side in (ours, theirs) if name in side)
