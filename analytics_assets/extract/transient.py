"""Which failures are worth retrying: a source or network hiccup, not a bug or a bad row.

An extractor failure is transient when it, or any exception it was raised from, is a
connection problem, a timeout, a database connection error, or an HTTP 429/5xx from
Google. Everything else (a bad row, a schema change, a bug) fails at once: retrying
would only repeat it. So does a :class:`GaveUpRetrying`: the source client already retried
for as long as it was allowed to.
"""

from __future__ import annotations

import random
import sys

_ALWAYS_TRANSIENT: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError)


class GaveUpRetrying(RuntimeError):
    """A source client retried a transient failure until its own limit: do not retry again."""


def _library_transient_types() -> tuple[type[BaseException], ...]:
    """Transient errors of libraries already imported (never imports them: an error of a
    library that was never imported cannot have been raised)."""
    found: list[type[BaseException]] = []
    google_errors = sys.modules.get("google.api_core.exceptions")
    if google_errors is not None:
        found += [
            google_errors.ServerError,
            google_errors.TooManyRequests,
            google_errors.RetryError,
        ]
    django_db = sys.modules.get("django.db")
    if django_db is not None:
        found += [django_db.OperationalError, django_db.InterfaceError]
    httpx = sys.modules.get("httpx")
    if httpx is not None:
        found.append(httpx.TransportError)
    return tuple(found)


def is_transient(error: BaseException) -> bool:
    transient = _ALWAYS_TRANSIENT + _library_transient_types()
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, GaveUpRetrying):
            return False
        if isinstance(current, transient):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def backoff_seconds(base: float, retry_number: int) -> float:
    """Exponential backoff with ±25 % jitter: base, then 2 * base, then 4 * base."""
    return base * (2**retry_number) * random.uniform(0.75, 1.25)
