"""How to page through a JSON list endpoint, declared once per API instead of a loop per extractor.

Four styles: :class:`PageNumber` (``?page=2&page_size=100``), :class:`OffsetLimit`
(``?offset=200&limit=100``), :class:`NextCursor` (pass the answer's cursor back) and
:class:`NextUrl` (follow the answer's ``next`` link). Each names where the items are in an
answer (a dotted path such as ``data.items``). The first two can tell every remaining page
from the first answer's total, which lets the client fetch them concurrently; those pages
are a lazy :class:`PageRange` (its length is known, its requests are made one at a time),
so a huge or wrong total costs no memory before the client refuses it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, overload

Params = Mapping[str, str | int | float]


class PaginationError(ValueError):
    """An answer does not have the shape its pagination style declares."""


@dataclass(frozen=True)
class PageRequest:
    """One page to fetch: a path relative to the API's base URL (or a full next URL)."""

    url: str
    params: Params = field(default_factory=dict)


class PageRange(Sequence[PageRequest]):
    """The requests of a run of pages, made on demand: ``make(n)`` for each ``n`` of ``numbers``."""

    def __init__(self, numbers: range, make: Callable[[int], PageRequest]) -> None:
        self.numbers = numbers
        self.make = make

    def __len__(self) -> int:
        return len(self.numbers)

    def page_count(self) -> int:
        """How many pages, however many (``len`` stops at ``sys.maxsize``: an API's absurd
        total would raise OverflowError instead of the paging error)."""
        numbers = self.numbers
        return max(0, -(-(numbers.stop - numbers.start) // numbers.step))

    @overload
    def __getitem__(self, index: int) -> PageRequest: ...
    @overload
    def __getitem__(self, index: slice) -> PageRange: ...
    def __getitem__(self, index: int | slice) -> PageRequest | PageRange:
        if isinstance(index, slice):
            return PageRange(self.numbers[index], self.make)
        return self.make(self.numbers[index])

    def __iter__(self) -> Iterator[PageRequest]:
        return map(self.make, self.numbers)


def lookup(document: Any, path: str) -> Any:
    """The value at the dotted ``path`` of a JSON document; :class:`KeyError` if absent."""
    value = document
    for key in path.split("."):
        if not isinstance(value, Mapping) or key not in value:
            raise KeyError(path)
        value = value[key]
    return value


def lookup_or_none(document: Any, path: str) -> Any:
    """The value at ``path``, or None when the answer does not have it."""
    try:
        return lookup(document, path)
    except KeyError:
        return None


def page_items(document: Any, path: str) -> list[Mapping[str, Any]]:
    """The list of item objects at ``path`` of an answer."""
    try:
        items = lookup(document, path)
    except KeyError:
        keys = sorted(document) if isinstance(document, Mapping) else type(document).__name__
        raise PaginationError(f"the answer has no {path!r} (it has: {keys})") from None
    if not isinstance(items, list) or not all(isinstance(item, Mapping) for item in items):
        raise PaginationError(f"{path!r} of the answer is not a list of objects")
    return items


def _total(document: Any, path: str | None) -> int | None:
    total = None if path is None else lookup_or_none(document, path)
    return total if isinstance(total, int) and not isinstance(total, bool) else None


class Pagination(Protocol):
    """A pagination style: the first page, the next one, and (if known) all the remaining ones."""

    @property
    def items(self) -> str:
        """Dotted path of the item list in an answer."""
        ...

    def first(self, path: str, params: Params) -> PageRequest: ...

    def following(
        self, request: PageRequest, document: Any, items: list[Mapping[str, Any]]
    ) -> PageRequest | None: ...

    def remaining(self, request: PageRequest, document: Any) -> Sequence[PageRequest] | None: ...


@dataclass(frozen=True)
class PageNumber:
    """``?page=N&page_size=S``, from ``first_page``; stops at a short page or the total."""

    page_size: int = 100
    page_param: str = "page"
    size_param: str = "page_size"
    first_page: int = 1
    items: str = "results"
    #: Dotted path of the total item count, if the API gives one (enables concurrent pages).
    total: str | None = "count"

    def first(self, path: str, params: Params) -> PageRequest:
        return self._page(path, params, self.first_page)

    def _page(self, path: str, params: Params, page: int) -> PageRequest:
        return PageRequest(path, {**params, self.page_param: page, self.size_param: self.page_size})

    def following(
        self, request: PageRequest, document: Any, items: list[Mapping[str, Any]]
    ) -> PageRequest | None:
        if len(items) < self.page_size:
            return None
        return self._page(request.url, request.params, int(request.params[self.page_param]) + 1)

    def remaining(self, request: PageRequest, document: Any) -> PageRange | None:
        total = _total(document, self.total)
        if total is None:
            return None
        pages = math.ceil(total / self.page_size)
        first = int(request.params[self.page_param])
        return PageRange(
            range(first + 1, self.first_page + pages),
            lambda page: self._page(request.url, request.params, page),
        )


@dataclass(frozen=True)
class OffsetLimit:
    """``?offset=O&limit=L``; stops at a short page or the total."""

    limit: int = 100
    offset_param: str = "offset"
    limit_param: str = "limit"
    items: str = "results"
    total: str | None = "count"

    def first(self, path: str, params: Params) -> PageRequest:
        return self._at(path, params, 0)

    def _at(self, path: str, params: Params, offset: int) -> PageRequest:
        paging = {self.offset_param: offset, self.limit_param: self.limit}
        return PageRequest(path, {**params, **paging})

    def following(
        self, request: PageRequest, document: Any, items: list[Mapping[str, Any]]
    ) -> PageRequest | None:
        if len(items) < self.limit:
            return None
        offset = int(request.params[self.offset_param]) + len(items)
        return self._at(request.url, request.params, offset)

    def remaining(self, request: PageRequest, document: Any) -> PageRange | None:
        total = _total(document, self.total)
        if total is None:
            return None
        start = int(request.params[self.offset_param]) + self.limit
        return PageRange(
            range(start, total, self.limit),
            lambda offset: self._at(request.url, request.params, offset),
        )


@dataclass(frozen=True)
class NextCursor:
    """Pass the answer's ``next_cursor`` back as ``?cursor=``; stops when it is empty."""

    cursor_param: str = "cursor"
    next_cursor: str = "next_cursor"
    items: str = "results"
    #: Extra parameters of every page, e.g. ``{"page_size": 100}``.
    page_params: Params = field(default_factory=dict)

    def first(self, path: str, params: Params) -> PageRequest:
        return PageRequest(path, {**params, **self.page_params})

    def following(
        self, request: PageRequest, document: Any, items: list[Mapping[str, Any]]
    ) -> PageRequest | None:
        cursor = lookup_or_none(document, self.next_cursor)
        if not cursor:
            return None
        return PageRequest(request.url, {**request.params, self.cursor_param: cursor})

    def remaining(self, request: PageRequest, document: Any) -> PageRange | None:
        return None


@dataclass(frozen=True)
class NextUrl:
    """Follow the answer's ``next`` URL (same host only) until it is null."""

    next_url: str = "next"
    items: str = "results"

    def first(self, path: str, params: Params) -> PageRequest:
        return PageRequest(path, params)

    def following(
        self, request: PageRequest, document: Any, items: list[Mapping[str, Any]]
    ) -> PageRequest | None:
        url = lookup_or_none(document, self.next_url)
        if not url:
            return None
        if not isinstance(url, str):
            raise PaginationError(f"{self.next_url!r} of the answer is not a URL: {url!r}")
        return PageRequest(url)

    def remaining(self, request: PageRequest, document: Any) -> PageRange | None:
        return None
