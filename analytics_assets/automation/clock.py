"""The current instant as the automation sees it; tests and the testing kit can set it.

The catch-up sensor plans for :func:`now`. In a real daemon that is the wall clock; inside
:func:`frozen_at` (used by :func:`analytics_assets.testing.evaluate_catch_up`) it is the
given instant, so the real sensor of the loaded definitions can be evaluated at any time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_frozen: ContextVar[dt.datetime | None] = ContextVar("analytics_assets_frozen_now", default=None)


def now() -> dt.datetime:
    """The frozen instant, if one is set in this context, else the current UTC time."""
    return _frozen.get() or dt.datetime.now(dt.UTC)


@contextmanager
def frozen_at(instant: dt.datetime) -> Iterator[dt.datetime]:
    """Within the block, :func:`now` is ``instant`` (time-zone aware)."""
    if instant.tzinfo is None:
        raise ValueError("the instant must be time-zone aware")
    token = _frozen.set(instant)
    try:
        yield instant
    finally:
        _frozen.reset(token)
