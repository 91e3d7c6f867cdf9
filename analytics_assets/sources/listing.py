"""Paging through a list endpoint, bounded: a page cap, repeats refused, pages made lazily.

An API that repeats a cursor, returns a page as its own ``next``, or ignores the page
parameter would be paged forever; a wrong total would make millions of page requests
before the first one is sent. Here a listing stops with :class:`PagingError` when

* it passes ``max_pages`` (or its first answer announces more pages than that);
* the next page asked for was asked for already (a repeated cursor or ``next`` URL);
* a page holds exactly the items of the page before it (the page parameter is ignored);

and the pages a total announces are made one at a time, at most twice
``max_concurrency`` ahead of the one being read, so memory does not grow with the total.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import dagster as dg

from analytics_assets.sources.http_retry import HttpApiError
from analytics_assets.sources.pagination import PageRange, PageRequest, Pagination, page_items
from analytics_assets.sources.urls import safe_url

PROGRESS_EVERY_SECONDS = 10.0
Items = list[Mapping[str, Any]]


class PagingError(HttpApiError):
    """A listing would never end (or not within its page cap); not worth retrying."""


def _key(request: PageRequest) -> tuple[str, tuple[tuple[str, str], ...]]:
    return request.url, tuple(sorted((str(k), str(v)) for k, v in request.params.items()))


def _describe(request: PageRequest) -> str:
    query = "&".join(f"{k}={v}" for k, v in sorted(request.params.items()))
    return safe_url(f"{request.url}?{query}" if query else request.url)


def _digest(document: Any) -> bytes:
    text = json.dumps(document, sort_keys=True, default=str).encode()
    return hashlib.blake2b(text, digest_size=16).digest()


@dataclass
class Listing:
    """One listing's guards: how many pages so far, and what was already asked and seen."""

    what: str
    max_pages: int
    pages: int = 0
    previous_digest: bytes | None = None

    def __post_init__(self) -> None:
        self.asked: set[tuple[str, tuple[tuple[str, str], ...]]] = set()

    def ask(self, request: PageRequest) -> None:
        """Refuse asking for ``request`` when it repeats or passes the page cap."""
        key = _key(request)
        if key in self.asked:
            raise PagingError(
                f"{self.what}: page {self.pages + 1} would ask for {_describe(request)} again "
                "(the API repeated its cursor or next URL): paging would never end"
            )
        self.asked.add(key)
        self.count_page()

    def count_page(self) -> None:
        self.pages += 1
        if self.pages > self.max_pages:
            raise PagingError(
                f"{self.what}: more than {self.max_pages} pages (max_pages) and the API still "
                "has a next page: it may be paging forever; raise max_pages if it really is "
                "that long"
            )

    def announce(self, remaining: Sequence[PageRequest]) -> None:
        """Refuse a first answer that announces more pages than the cap."""
        pages = (remaining.page_count() if isinstance(remaining, PageRange) else len(remaining)) + 1
        if pages > self.max_pages:
            raise PagingError(
                f"{self.what}: the first answer announces {pages:,} pages, more "
                f"than max_pages ({self.max_pages:,}): its total is wrong, or raise max_pages"
            )

    def check(self, items: Items, document: Any) -> Items:
        """Refuse a page whose whole answer is exactly that of the page before it: the API
        ignores the paging parameter. The whole answer, not its items: pages whose items are
        alike (items without an id) still differ by their page number or next link."""
        if not items:
            return items
        digest = _digest(document)
        if digest == self.previous_digest:
            raise PagingError(
                f"{self.what}: page {self.pages} is exactly the answer of page "
                f"{self.pages - 1} (the API ignores the paging parameter?): paging would "
                "never end"
            )
        self.previous_digest = digest
        return items


def pages(
    fetch: Callable[[PageRequest], Any],
    first: PageRequest,
    pagination: Pagination,
    listing: Listing,
    executor: ThreadPoolExecutor | None,
    ahead: int,
) -> Iterator[Items]:
    """The item lists of every page, in order, within ``listing``'s guards.

    With an ``executor``, the pages a first answer announces are fetched concurrently,
    at most ``ahead`` of them requested before the one being read.
    """
    listing.ask(first)
    document = fetch(first)
    items = listing.check(page_items(document, pagination.items), document)
    yield items
    remaining = pagination.remaining(first, document) if items else None
    if remaining is not None and executor is not None:
        listing.announce(remaining)
        yield from _concurrent(fetch, remaining, pagination, listing, executor, ahead)
        return
    request = pagination.following(first, document, items) if items else None
    while request is not None:
        listing.ask(request)
        document = fetch(request)
        items = listing.check(page_items(document, pagination.items), document)
        yield items
        request = pagination.following(request, document, items) if items else None


def _concurrent(
    fetch: Callable[[PageRequest], Any],
    remaining: Sequence[PageRequest],
    pagination: Pagination,
    listing: Listing,
    executor: ThreadPoolExecutor,
    ahead: int,
) -> Iterator[Items]:
    requests = iter(remaining)
    pending: deque[Future[Any]] = deque()
    try:
        while True:
            while len(pending) < ahead and (request := next(requests, None)) is not None:
                pending.append(executor.submit(fetch, request))
            if not pending:
                return
            document = pending.popleft().result()
            listing.count_page()
            yield listing.check(page_items(document, pagination.items), document)
    finally:
        for future in pending:
            future.cancel()


class Progress:
    """Log lines of listings: progress of a long one at INFO, each one's end at DEBUG, and
    the totals of all of them (one INFO line per run, not one per day of a catch-up)."""

    def __init__(self, api: str) -> None:
        self.api = api
        self.listings = self.pages = self.items = 0
        self.seconds = 0.0
        self.log = dg.get_dagster_logger()

    def listing(self, what: str, retries: Callable[[], int]) -> ListingProgress:
        return ListingProgress(self, what, retries)

    def summary(self, retries: int) -> str | None:
        if not self.listings:
            return None
        return (
            f"{self.api}: {self.listings} listings, {self.pages} pages, {self.items} items, "
            f"{retries} retries in {self.seconds:.1f} s"
        )


class ListingProgress:
    def __init__(self, totals: Progress, what: str, retries: Callable[[], int]) -> None:
        self.totals = totals
        self.what = what
        self.retries = retries
        self.retries_before = retries()
        self.pages = self.items = 0
        self.started = self.last_report = time.monotonic()

    def page(self, items: int) -> None:
        self.pages += 1
        self.items += items
        now = time.monotonic()
        if now - self.last_report >= PROGRESS_EVERY_SECONDS:
            self.last_report = now
            self.totals.log.info(f"{self.what}: {self._counts()} so far")

    def done(self) -> None:
        elapsed = time.monotonic() - self.started
        self.totals.log.debug(f"{self.what}: {self._counts()} in {elapsed:.1f} s")
        self.totals.listings += 1
        self.totals.pages += self.pages
        self.totals.items += self.items
        self.totals.seconds += elapsed

    def _counts(self) -> str:
        retried = self.retries() - self.retries_before
        return f"{self.pages} pages, {self.items} items, {retried} retries"
