"""A whole-request deadline for httpx, which only bounds each network operation on its own.

httpx's ``timeout`` limits every connect, write and read separately: a server that sends
one byte every quarter of a second never trips a one-second read timeout and can hold a
request for as long as it likes. Here each thread gets its own client (connections are
never shared between threads), its requests carry httpcore's documented ``trace``
extension, which hands over each new connection's socket, and a timer shuts those
sockets at the deadline: the read waiting on them returns at once, and the request fails
with :class:`RequestDeadlineExceeded` (a timeout, retried like one).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx


def deadline_exceeded(seconds: float) -> Exception:
    """The error of a request that did not complete within ``seconds``: an httpx timeout."""
    import httpx

    return httpx.ReadTimeout(
        f"no complete answer within {seconds:g} s (the request deadline, deadline_seconds)"
    )


class _ThreadClient:
    """One thread's client and the sockets of its connections."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.sockets: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.expired = False

    def trace(self, event: str, info: dict[str, Any]) -> None:
        if event == "connection.connect_tcp.complete":
            stream = info.get("return_value")
            raw = stream.get_extra_info("socket") if stream is not None else None
            if isinstance(raw, socket.socket):
                with self.lock:
                    self.sockets = {s for s in self.sockets if s.fileno() != -1} | {raw}

    def expire(self) -> None:
        """Shut every connection of this client: the read in progress ends now."""
        with self.lock:
            self.expired = True
            for raw in self.sockets:
                with contextlib.suppress(OSError):
                    raw.shutdown(socket.SHUT_RDWR)


class DeadlineClients:
    """httpx clients made by ``make_client``, one per thread, each request within a deadline."""

    def __init__(self, make_client: Callable[[], httpx.Client]) -> None:
        self._make_client = make_client
        self._local = threading.local()
        self._all: list[_ThreadClient] = []
        self._lock = threading.Lock()

    def _mine(self) -> _ThreadClient:
        mine = getattr(self._local, "client", None)
        if mine is None:
            mine = _ThreadClient(self._make_client())
            self._local.client = mine
            with self._lock:
                self._all.append(mine)
        return mine

    @property
    def client(self) -> httpx.Client:
        """This thread's client (to build requests, or read its base URL)."""
        return self._mine().client

    def send(self, request: httpx.Request, deadline_seconds: float) -> httpx.Response:
        """Send ``request`` and read the whole answer, or fail at the deadline."""
        import httpx

        mine = self._mine()
        request.extensions = {**request.extensions, "trace": mine.trace}
        mine.expired = False
        timer = threading.Timer(deadline_seconds, mine.expire)
        timer.daemon = True
        timer.start()
        try:
            return mine.client.send(request)
        except httpx.TransportError as error:
            if mine.expired:
                raise deadline_exceeded(deadline_seconds) from error
            raise
        finally:
            timer.cancel()

    def close(self) -> None:
        with self._lock:
            clients, self._all = self._all, []
        for mine in clients:
            mine.client.close()
        self._local = threading.local()
