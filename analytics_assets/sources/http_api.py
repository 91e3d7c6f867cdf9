"""The ``HttpApi`` resource: one JSON HTTP API read by extractors, politely, safely and bounded.

It holds the API's base URL (refused if it carries credentials: the UI shows it), auth
token (sent in a header, never logged), timeouts and User-Agent; a rate limiter no
request passes faster than ``max_requests_per_second`` (pyrate-limiter, shared by all
threads of the run); retries (:mod:`.http_retry`); a whole-request deadline
(:mod:`.http_deadline`); and paging (:mod:`.pagination`), bounded by a page cap and
refusing repeats (:mod:`.listing`). When a pagination style knows every page from the
first answer, up to ``max_concurrency`` pages are fetched at once, still within the rate.
Each listing logs its end at DEBUG; the run gets one INFO line with the totals.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import dagster as dg
from pydantic import Field, PrivateAttr

from analytics_assets.sources.http_deadline import DeadlineClients
from analytics_assets.sources.http_retry import (
    HttpApiError,
    RetryableStatus,
    RetryPolicy,
    call_with_retries,
    is_retryable_status,
)
from analytics_assets.sources.listing import Listing, Progress, pages
from analytics_assets.sources.pagination import PageRequest, Pagination, Params
from analytics_assets.sources.urls import Redactor, refuse_credentials_in_url, safe_url

if TYPE_CHECKING:
    import httpx
    from pyrate_limiter import Limiter


def _user_agent() -> str:
    """``analytics-assets/<installed version> (Dagster extractor)``: no made-up URL, and the
    version an API's owner can tell apart in its logs."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        installed = version("analytics-assets")
    except PackageNotFoundError:
        installed = "unknown"
    return f"analytics-assets/{installed} (Dagster extractor)"


USER_AGENT = _user_agent()
_ERROR_BODY_CHARS = 200


class HttpApiConfigError(ValueError):
    """The HttpApi resource is configured with a value it refuses (never echoing a secret)."""


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


def _refuse_credentials(base_url: Any) -> None:
    """A base URL with user info or a credential-like parameter never becomes config (shown
    in the UI): refused before pydantic sees it (its errors would echo the value)."""
    if isinstance(base_url, str) and not isinstance(base_url, dg.EnvVar):
        try:
            refuse_credentials_in_url(base_url)
        except ValueError as problem:
            raise HttpApiConfigError(
                f"HttpApi base_url: {problem}; send the credential as the token instead "
                "(ANALYTICS_<NAME>_TOKEN), never in the URL"
            ) from None


class HttpApi(dg.ConfigurableResource):
    """A JSON HTTP API: base URL, token, timeouts, rate limit, retries and bounded paging."""

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
    deadline_seconds: float = Field(
        default=120.0, gt=0, description="Whole-request deadline: connect, send, whole answer."
    )
    max_requests_per_second: float = Field(default=10.0, gt=0, le=1000)
    max_concurrency: int = Field(default=4, ge=1, le=32, description="Pages fetched at once.")
    max_pages: int = Field(default=10_000, ge=1, description="Pages of one listing, at most.")
    max_attempts: int = Field(default=8, ge=1, le=50)
    give_up_after_seconds: float = Field(default=300.0, gt=0)
    backoff_seconds: float = Field(default=1.0, ge=0, description="First retry wait; doubles.")

    _clients: DeadlineClients | None = PrivateAttr(default=None)
    _limiter: Limiter | None = PrivateAttr(default=None)
    _executor: ThreadPoolExecutor | None = PrivateAttr(default=None)
    _progress: Progress | None = PrivateAttr(default=None)
    _retries: int = PrivateAttr(default=0)

    def __init__(self, **config: Any) -> None:
        _refuse_credentials(config.get("base_url"))
        super().__init__(**config)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self.open(self.base_url)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self.close()

    def open(self, base_url: str) -> None:
        """Create the clients and the rate limiter (Dagster calls this before a run's steps)."""
        import httpx  # imported on first use: the code location loads without them
        from pyrate_limiter import Limiter, Rate

        _refuse_credentials(base_url)
        _mask_credentials_in_httpx_logs()
        headers = {"User-Agent": self.user_agent, "Accept": "application/json"}
        if self.token:
            credential = f"{self.auth_scheme} {self.token}" if self.auth_scheme else self.token
            headers[self.auth_header] = credential
        self._clients = DeadlineClients(
            lambda: httpx.Client(
                base_url=base_url,
                headers=headers,
                timeout=self.timeout_seconds,
                follow_redirects=False,
            )
        )
        # One request per interval, so even concurrent pages never beat the configured rate.
        interval_ms = math.ceil(1000 / self.max_requests_per_second)
        self._limiter = Limiter(Rate(1, interval_ms))
        if self.max_concurrency > 1:
            self._executor = ThreadPoolExecutor(self.max_concurrency, "http-page")
        self._progress = Progress(safe_url(base_url))
        self._retries = 0

    def close(self) -> None:
        if self._progress is not None and (line := self._progress.summary(self._retries)):
            self._progress.log.info(line)
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
        if self._clients is not None:
            self._clients.close()
        self._clients = self._limiter = self._executor = self._progress = None

    @property
    def client(self) -> httpx.Client:
        """This thread's httpx client."""
        if self._clients is None:
            raise RuntimeError("HttpApi is not open: use it as a Dagster resource, or call open()")
        return self._clients.client

    def _redactor(self, request: httpx.Request) -> Redactor:
        return Redactor.of(request.url, self.token)

    def _retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.max_attempts,
            give_up_after_seconds=self.give_up_after_seconds,
            backoff_seconds=self.backoff_seconds,
        )

    def get_json(self, url: str, params: Params | None = None) -> Any:
        """GET ``url`` (relative to the base URL, or absolute on the same host) as JSON."""
        # No params: None, not {} (httpx replaces the URL's own query by any params given,
        # even empty ones, and a next URL's query is its paging).
        request = self.client.build_request("GET", url, params=dict(params) if params else None)
        self._refuse_other_hosts(request)
        redact = self._redactor(request)
        what = f"GET {redact(safe_url(request.url))}"
        log = dg.get_dagster_logger()

        def on_retry(line: str) -> None:
            self._retries += 1
            log.warning(redact(line))

        return call_with_retries(
            lambda: self._attempt(request, what, redact),
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

    def _attempt(self, request: httpx.Request, what: str, redact: Redactor) -> Any:
        assert self._limiter is not None and self._clients is not None
        self._limiter.try_acquire("request", blocking=True)
        response = self._clients.send(request, self.deadline_seconds)
        if is_retryable_status(response.status_code):
            raise RetryableStatus(response)
        if response.status_code != 200:
            body = redact(response.text[:_ERROR_BODY_CHARS])
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
        assert self._progress is not None
        what = f"GET {safe_url(path)}"
        progress = self._progress.listing(what, lambda: self._retries)
        listing = Listing(what, self.max_pages)

        def fetch(request: PageRequest) -> Any:
            return self.get_json(request.url, request.params)

        first = pagination.first(path, params or {})
        ahead = 2 * self.max_concurrency
        for items in pages(fetch, first, pagination, listing, self._executor, ahead):
            progress.page(len(items))
            yield from items
        progress.done()
