"""Test helper: a loopback HTTP proxy in front of the emulator that answers like real BigQuery
where the emulator is lenient.

Every request is forwarded to the emulator and recorded (method, path, query, JSON body);
a test adds *rules*, each of which may answer a request itself (status and JSON body, in
the shape of BigQuery's error answers) or rewrite the emulator's answer. The client, its
retries and error parsing are the real google-cloud-bigquery ones.
"""

from __future__ import annotations

import http.server
import json
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from analytics_assets_tests.http_servers import serving


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: Any  # the JSON body, or None


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


#: Headers of the emulator's answers passed on (a resumable upload's session is in Location).
_KEPT_HEADERS = ("location", "etag", "x-goog-upload-status", "range")
#: A rule: an answer of its own for a request, or None to forward it.
Rule = Callable[[Request], Answer | None]
#: A rewrite of the emulator's answer to a request (its JSON body, changed in place or new).
Rewrite = Callable[[Request, Any], Any]


def bigquery_error(status: int, reason: str, message: str) -> Answer:
    """An error answer in the shape BigQuery's REST API gives."""
    error = {"code": status, "message": message, "errors": [{"message": message, "domain":
             "global", "reason": reason}], "status": reason.upper()}  # fmt: skip
    return Answer(status, {"error": error})


@dataclass
class BigQueryProxy:
    emulator_url: str
    url: str = ""
    requests: list[Request] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    rewrites: list[Rewrite] = field(default_factory=list)

    def answer(self, request: Request, raw_body: bytes, headers: dict[str, str]) -> Answer:
        self.requests.append(request)
        for rule in self.rules:
            answered = rule(request)
            if answered is not None:
                return answered
        forwarded = httpx.request(
            request.method,
            f"{self.emulator_url}{request.path}",
            params=request.query,
            content=raw_body,
            headers={
                k: v for k, v in headers.items() if k.lower() not in ("host", "content-length")
            },
            timeout=60,
        )
        kept = {k: v for k, v in forwarded.headers.items() if k.lower() in _KEPT_HEADERS}
        if not self.rewrites or not forwarded.content:
            return Answer(forwarded.status_code, forwarded.content, kept)
        body = forwarded.json()
        for rewrite in self.rewrites:
            body = rewrite(request, body)
        return Answer(forwarded.status_code, body, kept)

    def asked(self, method: str, path_part: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and path_part in r.path]


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _handle(self) -> None:
        proxy: BigQueryProxy = self.server.proxy  # type: ignore[attr-defined]
        url = urllib.parse.urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None  # an upload: not JSON
        request = Request(self.command, url.path, dict(urllib.parse.parse_qsl(url.query)), body)
        with self.server.lock:  # type: ignore[attr-defined]
            answer = proxy.answer(request, raw, dict(self.headers))
        payload = (
            answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
        )
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def bigquery_proxy(emulator_url: str) -> Iterator[BigQueryProxy]:
    """A :class:`BigQueryProxy` on a free port of 127.0.0.1 in front of ``emulator_url``."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    proxy = BigQueryProxy(emulator_url, url=f"http://127.0.0.1:{server.server_address[1]}")
    server.proxy = proxy  # type: ignore[attr-defined]
    server.lock = threading.Lock()  # type: ignore[attr-defined]
    with serving(server):
        yield proxy
