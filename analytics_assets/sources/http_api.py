"""The ``HttpApi`` resource: one JSON HTTP API read by extractors, politely and safely.

It holds an httpx client with the API's base URL, auth token (sent in a header, never
logged), timeouts and User-Agent; a rate limiter no request passes faster than
``max_requests_per_second`` (pyrate-limiter, shared by all threads of the run); retries
(:mod:`analytics_assets.sources.http_retry`); and paging (:mod:`.pagination`). When a
pagination style knows every page from the first answer, up to ``max_concurrency`` pages
are fetched at once, still within the rate. Progress goes to the run's log.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import dagster as dg
from pydantic import Field, PrivateAttr
from pyrate_limiter import Limiter, Rate

from analytics_assets.sources.http_retry import (
    HttpApiError,
    RetryableStatus,
    RetryPolicy,
    call_with_retries,
    is_retryable_status,
)
from analytics_assets.sources.pagination import PageRequest, Pagination, Params, page_items
from analytics_assets.sources.urls import safe_url

if TYPE_CHECKING:
    import httpx

USER_AGENT = "analytics-assets/0.1 (+https://github.com/; Dagster extractor)"
PROGRESS_EVERY_SECONDS = 10.0
_ERROR_BODY_CHARS = 200


class _MaskUrlCredentials(logging.Filter):
    """httpx logs each request's full URL at INFO: mask user info and credential parameters."""

    def filter(self, record: logging.LogRecord) -> bool:
        import httpx  # loaded already: only httpx's own records reach this filter

        if isinstance(record.args, tuple):
            record.args = tuple(
                safe_url(arg) if isinstance(arg, httpx.URL) else arg for arg in record.args
            )
        return True


_MASK_URL_CREDENTIALS = _MaskUrlCredentials()


def _mask_credentials_in_httpx_logs() -> None:
    httpx_logger = logging.getLogger("httpx")
    if _MASK_URL_CREDENTIALS not in httpx_logger.filters:
        httpx_logger.addFilter(_MASK_URL_CREDENTIALS)


class HttpApi(dg.ConfigurableResource):
    """A JSON HTTP API: base URL, token, timeouts, rate limit, retries and paging."""

    base_url: str = Field(description="Root of the API, e.g. https://desk.example.com")
    token: str | None = Field(
        default=None,
        description="Credential sent as '<auth_scheme> <token>' in auth_header. Configure it "
        "with dg.EnvVar('NAME') so the UI shows the variable's name, never its value.",
    )
    auth_header: str = Field(default="Authorization", description="Header carrying the token.")
    auth_scheme: str = Field(default="Bearer", description="Prefix of the token; '' for none.")
    user_agent: str = Field(default=USER_AGENT)
    timeout_seconds: float = Field(default=30.0, gt=0, description="Connect/read timeout.")
    max_requests_per_second: float = Field(default=10.0, gt=0, le=1000)
    max_concurrency: int = Field(default=4, ge=1, le=32, description="Pages fetched at once.")
    max_attempts: int = Field(default=8, ge=1, le=50)
    give_up_after_seconds: float = Field(default=300.0, gt=0)
    backoff_seconds: float = Field(default=1.0, ge=0, description="First retry wait; doubles.")

    _client: httpx.Client | None = PrivateAttr(default=None)
    _limiter: Limiter | None = PrivateAttr(default=None)
    _retries: int = PrivateAttr(default=0)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self.open(self.base_url)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self.close()

    def open(self, base_url: str) -> None:
        """Create the client and the rate limiter (Dagster calls this before a run's steps)."""
        import httpx  # imported on first use: the code location loads without it

        _mask_credentials_in_httpx_logs()
        headers = {"User-Agent": self.user_agent, "Accept": "application/json"}
        if self.token:
            credential = f"{self.auth_scheme} {self.token}" if self.auth_scheme else self.token
            headers[self.auth_header] = credential
        self._client = httpx.Client(
            base_url=base_url,
            headers=headers,
            timeout=self.timeout_seconds,
            limits=httpx.Limits(max_connections=self.max_concurrency),
            follow_redirects=False,
        )
        # One request per interval, so even concurrent pages never beat the configured rate.
        interval_ms = math.ceil(1000 / self.max_requests_per_second)
        self._limiter = Limiter(Rate(1, interval_ms))

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        self._client = None
        self._limiter = None

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            raise RuntimeError("HttpApi is not open: use it as a Dagster resource, or call open()")
        return self._client

    def _redact(self, text: str) -> str:
        return text.replace(self.token, "***") if self.token else text

    def _retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.max_attempts,
            give_up_after_seconds=self.give_up_after_seconds,
            backoff_seconds=self.backoff_seconds,
        )

    def get_json(self, url: str, params: Params | None = None) -> Any:
        """GET ``url`` (relative to the base URL, or absolute on the same host) as JSON."""
        request = self.client.build_request("GET", url, params=dict(params or {}))
        self._refuse_other_hosts(request)
        what = f"GET {self._redact(safe_url(request.url))}"
        log = dg.get_dagster_logger()

        def on_retry(line: str) -> None:
            self._retries += 1
            log.warning(self._redact(line))

        return call_with_retries(
            lambda: self._attempt(request, what),
            what=what,
            policy=self._retry_policy(),
            on_retry=on_retry,
        )

    def _refuse_other_hosts(self, request: httpx.Request) -> None:
        if request.url.host != self.client.base_url.host:
            raise HttpApiError(
                f"refusing to send the API token to another host: {safe_url(request.url)} "
                f"is not on {self.client.base_url.host}"
            )

    def _attempt(self, request: httpx.Request, what: str) -> Any:
        assert self._limiter is not None
        self._limiter.try_acquire("request", blocking=True)
        response = self.client.send(request)
        if is_retryable_status(response.status_code):
            raise RetryableStatus(response)
        if response.status_code != 200:
            body = self._redact(response.text[:_ERROR_BODY_CHARS])
            raise HttpApiError(
                f"{what}: {response.status_code} {response.reason_phrase}, not retried: {body}"
            )
        try:
            return response.json()
        except ValueError:
            raise HttpApiError(f"{what}: the answer is not JSON") from None

    def items(
        self, path: str, pagination: Pagination, params: Params | None = None
    ) -> Iterator[Mapping[str, Any]]:
        """Every item of the list at ``path``, page after page, in the API's order."""
        progress = _Progress(f"GET {self._redact(safe_url(path))}", self._retries)
        for items in self._pages(pagination.first(path, params or {}), pagination):
            progress.page(len(items), self._retries)
            yield from items
        progress.done(self._retries)

    def _pages(
        self, first: PageRequest, pagination: Pagination
    ) -> Iterator[list[Mapping[str, Any]]]:
        document = self.get_json(first.url, first.params)
        items = page_items(document, pagination.items)
        yield items
        remaining = pagination.remaining(first, document) if items else []
        if remaining is not None and self.max_concurrency > 1:
            yield from self._concurrent_pages(remaining, pagination)
            return
        request = pagination.following(first, document, items)
        while request is not None:
            document = self.get_json(request.url, request.params)
            items = page_items(document, pagination.items)
            yield items
            request = pagination.following(request, document, items) if items else None

    def _concurrent_pages(
        self, requests: list[PageRequest], pagination: Pagination
    ) -> Iterator[list[Mapping[str, Any]]]:
        def fetch(request: PageRequest) -> list[Mapping[str, Any]]:
            return page_items(self.get_json(request.url, request.params), pagination.items)

        executor = ThreadPoolExecutor(self.max_concurrency, thread_name_prefix="http-page")
        try:
            yield from executor.map(fetch, requests)
        finally:
            executor.shutdown(wait=True, cancel_futures=True)


class _Progress:
    """Log lines of a long listing: every ``PROGRESS_EVERY_SECONDS`` and a summary at the end."""

    def __init__(self, what: str, retries_before: int) -> None:
        self.what = what
        self.retries_before = retries_before
        self.pages = 0
        self.items = 0
        self.started = time.monotonic()
        self.last_report = self.started
        self.log = dg.get_dagster_logger()

    def page(self, items: int, retries: int) -> None:
        self.pages += 1
        self.items += items
        now = time.monotonic()
        if now - self.last_report >= PROGRESS_EVERY_SECONDS:
            self.last_report = now
            self.log.info(f"{self.what}: {self._counts(retries)} so far")

    def done(self, retries: int) -> None:
        elapsed = time.monotonic() - self.started
        self.log.info(f"{self.what}: {self._counts(retries)} in {elapsed:.1f} s")

    def _counts(self, retries: int) -> str:
        return f"{self.pages} pages, {self.items} items, {retries - self.retries_before} retries"
