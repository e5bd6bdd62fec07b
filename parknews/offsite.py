"""The offsite filter, with a host being its name *and* port.

Scrapy's ``OffsiteMiddleware`` compares host names only (``allowed_domains``
cannot hold a port), so a redirect from the site to ``127.0.0.1:<another
port>`` — another server — would be followed. The spider chooses links by
netloc (``parknews.pages.urls.host_of``); this filter applies the same rule to
every request the engine schedules, redirects included.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware

from parknews.pages.urls import host_of

if TYPE_CHECKING:
    from scrapy import Request, Spider


class HostAndPortOffsiteMiddleware(OffsiteMiddleware):
    """Scrapy's offsite filter, through its documented ``should_follow`` hook:
    a spider with ``hosts`` (netlocs, as the parknews spider has) is kept to
    exactly those; any other spider gets Scrapy's ``allowed_domains`` rule."""

    def should_follow(self, request: Request, spider: Spider) -> bool:
        hosts = getattr(spider, "hosts", None)
        if not hosts:
            return super().should_follow(request, spider)
        return host_of(request.url) in hosts
