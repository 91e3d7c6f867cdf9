"""Which failures of a run are worth retrying: a source or warehouse hiccup, not a bug or a bad row.

A failure is transient when it, or any exception it was raised from, is a connection
problem or a timeout, a transient error of the warehouse (Google 429/5xx, a transaction
aborted by a concurrent update), or a transient error declared by a source kind (e.g.
the database's OperationalError). Everything else (a bad row, a schema change, a bug)
fails at once: retrying would only repeat it. So does
:class:`~analytics_assets.sources.kind.GaveUpRetrying`: the source client already retried
for as long as it was allowed to.
"""

from __future__ import annotations

import random

from analytics_assets.sources.kind import GaveUpRetrying
from analytics_assets.sources.registry import SOURCE_KINDS
from analytics_assets.warehouse.transient import is_transient_warehouse_error

_ALWAYS_TRANSIENT: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError)


def _transient_types() -> tuple[type[BaseException], ...]:
    found = list(_ALWAYS_TRANSIENT)
    for kind in SOURCE_KINDS.values():
        found += kind.transient_errors()
    return tuple(found)


def is_transient(error: BaseException) -> bool:
    """True if ``error`` or one of its causes is worth another attempt of the whole step."""
    transient = _transient_types()
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, GaveUpRetrying):
            return False
        if isinstance(current, transient) or is_transient_warehouse_error(current):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def backoff_seconds(base: float, retry_number: int) -> float:
    """Exponential backoff with ±25 % jitter: base, then 2 * base, then 4 * base."""
    return base * (2**retry_number) * random.uniform(0.75, 1.25)
