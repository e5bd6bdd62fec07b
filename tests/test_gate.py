"""The browser's gate on its own: a SOCKS5 client asks, the gate connects to
the site's host and port only."""

from __future__ import annotations

import asyncio
import socket
import struct

import pytest

from parknews.clicks.gate import SiteGate, address_of, host_key, site_addresses


def test_site_addresses_are_host_and_port():
    urls = ["http://WWW.Example.COM./news/", "https://example.com:8443/a", "http://127.0.0.1:8000/", "http://[::1]:9/"]
    assert site_addresses(urls) == {("www.example.com", 80), ("example.com", 8443), ("127.0.0.1", 8000), ("::1", 9)}


@pytest.mark.parametrize(
    ("url", "admitted"),
    [
        ("http://127.0.0.1:8000/news/1.html", True),
        ("ws://127.0.0.1:8000/socket", True),  # the same host and port, whatever the scheme
        ("http://127.0.0.1:8001/", False),  # another port of the same host
        ("http://127.0.0.2:8000/", False),
        ("http://localhost:8000/", False),  # another name for it: not what the start URLs say
        ("https://127.0.0.1/", False),
        ("http://[/", False),
        ("data:text/html,x", False),
    ],
)
def test_admits_the_start_urls_hosts_only(url, admitted):
    assert SiteGate(site_addresses(["http://127.0.0.1:8000/"])).admits(url) is admitted


def test_host_key_has_one_spelling_per_host():
    assert host_key("LOCALHOST.") == "localhost"
    assert host_key("[0:0:0:0:0:0:0:1]") == "::1"
    assert address_of("http://Example.com") == ("example.com", 80)


async def _ask(proxy: str, request: bytes) -> tuple[bytes, asyncio.StreamReader, asyncio.StreamWriter]:
    """A SOCKS5 client: greeting without authentication, then ``request``; the gate's reply code."""
    host, port = proxy.removeprefix("socks5://").rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(b"\x05\x01\x00")
    assert await reader.readexactly(2) == b"\x05\x00"
    writer.write(request)
    reply = await reader.readexactly(10)
    return reply[1:2], reader, writer


def _connect(host: str, port: int) -> bytes:
    try:
        return b"\x05\x01\x00\x01" + socket.inet_aton(host) + struct.pack("!H", port)
    except OSError:
        name = host.encode()
        return b"\x05\x01\x00\x03" + bytes([len(name)]) + name + struct.pack("!H", port)


def test_gate_relays_to_the_site_and_refuses_the_rest():
    async def scenario() -> None:
        async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(b"site:" + await reader.readexactly(4))
            await writer.drain()
            writer.close()

        site = await asyncio.start_server(echo, "127.0.0.1", 0)
        site_port = site.sockets[0].getsockname()[1]
        other = socket.socket()
        other.bind(("127.0.0.1", 0))
        other.listen(8)
        other.setblocking(False)
        other_port = other.getsockname()[1]
        refused: list[tuple[str, int]] = []
        gate = SiteGate(site_addresses([f"http://127.0.0.1:{site_port}/"]), lambda h, p: refused.append((h, p)))
        proxy = await gate.start()
        try:
            code, reader, writer = await _ask(proxy, _connect("127.0.0.1", site_port))
            assert code == b"\x00"
            writer.write(b"ping")
            assert await reader.read() == b"site:ping"
            writer.close()

            for host, port in (("127.0.0.1", other_port), ("localhost", other_port), ("127.0.0.2", site_port)):
                code, reader, writer = await _ask(proxy, _connect(host, port))
                assert code == b"\x02"  # connection not allowed by ruleset
                assert await reader.read() == b""  # and hung up
                writer.close()
            # UDP ASSOCIATE (command 3): not spoken
            code, _, writer = await _ask(proxy, b"\x05\x03\x00\x01" + socket.inet_aton("127.0.0.1") + b"\x00\x00")
            assert code == b"\x07"
            writer.close()
        finally:
            await gate.close()
            site.close()
        with pytest.raises(BlockingIOError):
            other.accept()  # nothing ever connected to the other port
        other.close()
        assert refused == [("127.0.0.1", other_port), ("localhost", other_port), ("127.0.0.2", site_port)]

    asyncio.run(scenario())
