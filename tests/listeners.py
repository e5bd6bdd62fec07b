"""Sockets standing in for other hosts: whatever reaches them left the site.

Each :class:`Listener` is a TCP and a UDP socket on one address and port
(``127.0.0.2``, ``127.0.0.3``, or another port of ``127.0.0.1``). One
background thread accepts and reads on all of them, answers any TCP client
with a tiny HTTP page (so a browser that does get through sees a real
response and carries on), and records every connection and datagram.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

_ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"


@dataclass
class Listener:
    host: str
    port: int
    label: str
    #: one entry per TCP connection or UDP datagram: what arrived (b"" for a bare connect)
    received: list[bytes] = field(default_factory=list)

    @property
    def hostport(self) -> str:
        return f"{self.host}:{self.port}"


class Listeners:
    """Listeners on several addresses, watched by one thread until ``close()``."""

    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()
        self._cond = threading.Condition()
        self._rounds = 0
        self._stop = False
        self._all: list[Listener] = []
        self._thread = threading.Thread(target=self._run, daemon=True)

    def open(self, host: str, label: str) -> Listener:
        """A TCP and a UDP socket on ``host`` and one free port (the same number for both)."""
        for _ in range(20):
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            tcp.bind((host, 0))
            port = tcp.getsockname()[1]
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                udp.bind((host, port))
            except OSError:  # that number is taken for UDP: try another
                tcp.close()
                udp.close()
                continue
            tcp.listen(64)
            tcp.setblocking(False)
            udp.setblocking(False)
            listener = Listener(host, port, label)
            with self._cond:
                self._all.append(listener)
                self._selector.register(tcp, selectors.EVENT_READ, ("accept", listener, None))
                self._selector.register(udp, selectors.EVENT_READ, ("datagram", listener, None))
            return listener
        raise RuntimeError(f"no free port on {host} for both TCP and UDP")

    def start(self) -> Listeners:
        self._thread.start()
        return self

    def close(self) -> None:
        with self._cond:
            self._stop = True
        self._thread.join(timeout=5)
        for key in list(self._selector.get_map().values()):
            key.fileobj.close()  # type: ignore[union-attr]
        self._selector.close()

    def __enter__(self) -> Listeners:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def settled(self) -> list[Listener]:
        """The listeners once everything already queued on their sockets has been
        read: waits for one full round of the watching thread begun after this call."""
        with self._cond:
            target = self._rounds + 2
            if not self._cond.wait_for(lambda: self._rounds >= target, timeout=10):
                raise RuntimeError("the listener thread stopped watching")
            return list(self._all)

    def wait_for(self, predicate: Callable[[Iterable[Listener]], bool], timeout: float) -> bool:
        """Block until ``predicate(listeners)`` holds (checked after each round), or ``timeout`` passes."""
        with self._cond:
            return self._cond.wait_for(lambda: predicate(self._all), timeout)

    # ------------------------------------------------------------ the thread
    def _run(self) -> None:
        while True:
            with self._cond:
                if self._stop:
                    return
            events = self._selector.select(timeout=0.05)
            with self._cond:
                for key, _ in events:
                    self._handle(key)
                self._rounds += 1
                self._cond.notify_all()

    def _handle(self, key: selectors.SelectorKey) -> None:
        kind, listener, index = key.data
        sock: socket.socket = key.fileobj  # type: ignore[assignment]
        if kind == "accept":
            with contextlib.suppress(BlockingIOError, ConnectionError):
                conn, _ = sock.accept()
                conn.setblocking(False)
                listener.received.append(b"")
                self._selector.register(conn, selectors.EVENT_READ, ("read", listener, len(listener.received) - 1))
        elif kind == "datagram":
            with contextlib.suppress(BlockingIOError, ConnectionError):
                listener.received.append(sock.recvfrom(65536)[0])
        else:
            try:
                data = sock.recv(65536)
            except BlockingIOError:
                return
            except ConnectionError:
                data = b""
            listener.received[index] += data
            got = listener.received[index]
            # Answer once a request is in (or anything that is not HTTP), and hang up.
            if not data or b"\r\n\r\n" in got or not got[:1].isalpha():
                with contextlib.suppress(OSError):
                    sock.sendall(_ANSWER)
                self._selector.unregister(sock)
                sock.close()
