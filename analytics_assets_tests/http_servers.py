"""Test helpers: the demo JSON API on a real 127.0.0.1 port, a server that resets connections,
a JSON server answering what a test says, a server that drips its answer, and an open
:class:`HttpApi` client for them."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import socket
import socketserver
import struct
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
import pytest

from analytics_assets.demo.api_faults import faults, journal
from analytics_assets.demo.config import DEMO_SUPPORT_API_TOKEN
from analytics_assets.demo.server import serve_demo_api
from analytics_assets.sources.http_api import HttpApi

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def demo_api(transactional_db) -> Iterator[str]:
    """The demo project's API served on a free port of 127.0.0.1 (committed test database)."""
    faults.clear()
    journal.clear()
    with serve_demo_api() as url:
        yield url
    faults.clear()


def queue_faults(base_url: str, *queued: dict[str, Any]) -> None:
    """Make the demo API answer the next requests with ``queued`` faults, in order."""
    from django.conf import settings

    response = httpx.post(
        f"{base_url}/api/faults/",
        json={"faults": list(queued)},
        headers={"Authorization": f"Bearer {settings.DEMO_API_TOKEN}"},
    )
    response.raise_for_status()
    journal.clear()


def arrivals(path_prefix: str = "/api/tickets") -> list[float]:
    """Monotonic arrival times of the demo API's requests under ``path_prefix``."""
    return [e.arrived for e in journal.entries() if e.path.startswith(path_prefix)]


@contextmanager
def open_api(
    base_url: str, *, token: str = DEMO_SUPPORT_API_TOKEN, **config: Any
) -> Iterator[HttpApi]:
    """An :class:`HttpApi` opened on ``base_url`` as a run would open it."""
    api = HttpApi(base_url=base_url, token=token, **config)
    api.open(base_url)
    try:
        yield api
    finally:
        api.close()


def window_params(day: str) -> dict[str, str]:
    start = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), tzinfo=PARIS)
    end = dt.datetime.combine(start.date() + dt.timedelta(days=1), dt.time(), tzinfo=PARIS)
    return {"opened_after": start.isoformat(), "opened_before": end.isoformat()}


_Server = TypeVar("_Server", bound=socketserver.BaseServer)


@contextmanager
def serving(server: _Server) -> Iterator[_Server]:
    """``server`` answering from a daemon thread until the block ends, then closed."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


class _ResetThenAnswer(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        server = self.server
        assert isinstance(server, _ResettingServer)
        self.request.recv(65536)
        with server.lock:
            server.connections += 1
            reset = server.connections <= server.resets
        if reset:
            # SO_LINGER with a zero timeout: close() sends RST instead of FIN.
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        body = server.body
        self.request.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )


class _ResettingServer(socketserver.ThreadingTCPServer):
    daemon_threads = True

    def __init__(self, resets: int, body: bytes) -> None:
        super().__init__(("127.0.0.1", 0), _ResetThenAnswer)
        self.resets = resets
        self.body = body
        self.connections = 0
        self.lock = threading.Lock()


@contextmanager
def resetting_server(resets: int, body: bytes) -> Iterator[_ResettingServer]:
    """A server on 127.0.0.1 that resets its first ``resets`` connections, then answers ``body``."""
    with serving(_ResettingServer(resets, body)) as server:
        yield server


Answer = tuple[int, Any]  # status, JSON body


class _JsonHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        server = self.server
        assert isinstance(server, _JsonServer)
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        with server.lock:
            server.requests.append(self.path)
        status, body = server.answer(url.path, query, dict(self.headers))
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self) -> None:  # a webhook: keep what was posted, answer 200 (or post_answer)
        server = self.server
        assert isinstance(server, _JsonServer)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with server.lock:
            server.posts.append((self.path, body))
        if server.post_answer is None:
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status, answered = server.post_answer(self.path, body)
        payload = json.dumps(answered).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _JsonServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        answer: Callable[[str, dict[str, str], dict[str, str]], Answer],
        post_answer: Callable[[str, bytes], Answer] | None = None,
    ) -> None:
        super().__init__(("127.0.0.1", 0), _JsonHandler)
        self.answer = answer
        self.post_answer = post_answer
        self.requests: list[str] = []
        self.posts: list[tuple[str, bytes]] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@contextmanager
def json_server(
    answer: Callable[[str, dict[str, str], dict[str, str]], Answer],
    post_answer: Callable[[str, bytes], Answer] | None = None,
) -> Iterator[_JsonServer]:
    """A JSON API on 127.0.0.1: ``answer(path, query, headers)`` gives each GET's (status,
    body); ``server.requests`` lists the paths (with query) asked, in order, and
    ``server.posts`` each POST's path and body (answered 200, like a webhook, or by
    ``post_answer(path, body)``: a token endpoint)."""
    with serving(_JsonServer(answer, post_answer)) as server:
        yield server


class _Drip(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        server = self.server
        assert isinstance(server, _DrippingServer)
        self.request.recv(65536)
        with server.lock:
            server.connections += 1
        try:
            for byte in server.response:
                if server.stopping.wait(server.interval):
                    return
                self.request.sendall(bytes([byte]))
        except OSError:
            return  # the client hung up: what a deadline does


class _DrippingServer(socketserver.ThreadingTCPServer):
    daemon_threads = True

    def __init__(self, response: bytes, interval: float) -> None:
        super().__init__(("127.0.0.1", 0), _Drip)
        self.response = response
        self.interval = interval
        self.connections = 0
        self.lock = threading.Lock()
        self.stopping = threading.Event()


@contextmanager
def dripping_server(body: bytes, interval: float) -> Iterator[_DrippingServer]:
    """A server on 127.0.0.1 that sends a whole 200 answer with ``body`` one byte every
    ``interval`` seconds, status line and headers included."""
    response = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    server = _DrippingServer(response, interval)
    try:
        with serving(server):
            yield server
    finally:
        server.stopping.set()
