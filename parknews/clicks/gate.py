"""The only way out of the browser: a SOCKS5 gate on loopback that connects
to the site's hosts and refuses every other host and port.

Chromium is launched with this gate as its proxy (Playwright's ``proxy``
launch option), which also makes Chromium resolve no name itself
(``--host-resolver-rules=MAP * ~NOTFOUND``) and send loopback through the
proxy too. So every connection the browser opens — page requests, frames,
popups, form posts, favicons, WebSockets, workers, beacons, reports, the
connections Chromium opens ahead of a navigation, TURN over TCP — is one
SOCKS ``CONNECT`` naming its host and port, and is made only when that pair
is one of the site's. A page's script cannot get around it: the rule sits in
the network path, not in the page.

Written here rather than taken from a package: the gate is a SOCKS5 server
for one client on loopback, without authentication, doing ``CONNECT`` only
and one set lookup — a few dozen lines in the crawl's own event loop. The
packaged SOCKS servers are general proxies that need Python 3.12 or filter
by host-name patterns without the port.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import struct
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
# RFC 1928 reply codes.
_OK, _NOT_ALLOWED, _UNREACHABLE, _NO_COMMAND, _NO_ADDRESS_TYPE = 0, 2, 4, 7, 8
#: Seconds a client may take to say where it goes, and the site to accept the connection.
_HANDSHAKE_TIMEOUT = 10.0
_CONNECT_TIMEOUT = 10.0

Address = tuple[str, int]


def host_key(host: str) -> str:
    """One spelling per host: lower case, no trailing dot or brackets, IPs in
    their canonical form (``127.000.000.001`` is not a way around the rule)."""
    host = host.strip("[]").rstrip(".").lower()
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host).compressed
    return host


def address_of(url: str) -> Address | None:
    """The (host, port) a URL connects to, its scheme's port when it names none."""
    try:
        parts = urlsplit(url)
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    if not parts.hostname or port is None:
        return None
    return host_key(parts.hostname), port


def site_addresses(urls: Iterable[str]) -> frozenset[Address]:
    """The site's hosts, host *and* port, as its start URLs name them."""
    return frozenset(a for a in map(address_of, urls) if a is not None)


class SiteGate:
    """A SOCKS5 server on 127.0.0.1 that connects only to ``allowed`` addresses.

    ``on_refused(host, port)`` is called for each connection refused.
    """

    def __init__(self, allowed: frozenset[Address], on_refused: Callable[[str, int], None] = lambda h, p: None) -> None:
        self.allowed = allowed
        self._on_refused = on_refused
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def admits(self, url: str) -> bool:
        """Whether a browser request for ``url`` may leave the browser at all."""
        return address_of(url) in self.allowed

    async def start(self) -> str:
        """Listen on an ephemeral loopback port; returns the proxy URL for Chromium."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"socks5://127.0.0.1:{port}"

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            await self._server.wait_closed()
            self._server = None

    # ------------------------------------------------------------ protocol
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        upstream: asyncio.StreamWriter | None = None
        try:
            target = await asyncio.wait_for(self._handshake(reader, writer), _HANDSHAKE_TIMEOUT)
            if target is None:
                return
            host, port = target
            if (host, port) not in self.allowed:
                self._on_refused(host, port)
                logger.debug("Browser kept on the site: refused a connection to %s:%d", host, port)
                await self._reply(writer, _NOT_ALLOWED)
                return
            try:
                up_reader, upstream = await asyncio.wait_for(asyncio.open_connection(host, port), _CONNECT_TIMEOUT)
            except (TimeoutError, OSError):
                await self._reply(writer, _UNREACHABLE)
                return
            self._writers.add(upstream)
            await self._reply(writer, _OK)
            await asyncio.gather(_pipe(reader, upstream), _pipe(up_reader, writer))
        except (TimeoutError, OSError, asyncio.IncompleteReadError):
            pass  # the browser hung up or never finished asking: nothing to relay
        finally:
            for w in (writer, upstream):
                if w is not None:
                    self._writers.discard(w)
                    w.close()

    @staticmethod
    async def _handshake(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> Address | None:
        """RFC 1928 without authentication: the (host, port) asked for, or None
        after refusing a request the gate does not speak."""
        version, count = await reader.readexactly(2)
        methods = await reader.readexactly(count)
        if version != 5 or 0 not in methods:
            writer.write(b"\x05\xff")
            return None
        writer.write(b"\x05\x00")
        version, command, _, kind = await reader.readexactly(4)
        if kind == 1:
            host = str(ipaddress.IPv4Address(await reader.readexactly(4)))
        elif kind == 4:
            host = str(ipaddress.IPv6Address(await reader.readexactly(16)))
        elif kind == 3:
            host = (await reader.readexactly((await reader.readexactly(1))[0])).decode("ascii", "replace")
        else:
            await SiteGate._reply(writer, _NO_ADDRESS_TYPE)
            return None
        (port,) = struct.unpack("!H", await reader.readexactly(2))
        if version != 5 or command != 1:  # CONNECT only: no BIND, no UDP ASSOCIATE
            await SiteGate._reply(writer, _NO_COMMAND)
            return None
        return host_key(host), port

    @staticmethod
    async def _reply(writer: asyncio.StreamWriter, code: int) -> None:
        writer.write(bytes([5, code, 0, 1, 0, 0, 0, 0, 0, 0]))
        await writer.drain()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy one direction until its end, then pass the end on (half-close)."""
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except OSError:
        writer.close()
