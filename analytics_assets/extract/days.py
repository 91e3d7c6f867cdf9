"""Local days: the window ``[local midnight, next local midnight)`` an extractor is called with.

Arithmetic on the calendar date (not on a timedelta) is what makes DST days 23 h or 25 h
long, and only days that have fully ended in the zone may be extracted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

Window = tuple[dt.datetime, dt.datetime]


class IncompleteDayError(RuntimeError):
    """A day whose local day has not ended yet was asked for."""


def day_window(day: dt.date, tz: ZoneInfo) -> Window:
    """Local midnight of ``day`` to the next local midnight, as aware datetimes.

    Each bound carries its own fixed UTC offset (``+01:00`` / ``+02:00``), so
    ``end - start`` is the real length of the day; with a shared ZoneInfo, Python would
    subtract wall-clock times and say 24 h. A midnight that does not exist (zones that
    jump at 00:00) resolves to the first instant of the day.
    """
    return _local_midnight(day, tz), _local_midnight(day + dt.timedelta(days=1), tz)


def _local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    instant = dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)
    offset = instant.astimezone(tz).utcoffset()
    assert offset is not None
    return instant.astimezone(dt.timezone(offset))


def last_complete_day(now: dt.datetime, tz: ZoneInfo) -> dt.date:
    """The latest local day that has fully ended at ``now`` (yesterday, in ``tz``)."""
    if now.tzinfo is None:
        raise ValueError("now must be time-zone aware")
    return now.astimezone(tz).date() - dt.timedelta(days=1)


def refuse_incomplete_days(
    days: Sequence[dt.date], tz: ZoneInfo, now: dt.datetime | None = None
) -> None:
    """Raise :class:`IncompleteDayError` if a day of ``days`` has not ended yet in ``tz``."""
    last = last_complete_day(now or dt.datetime.now(dt.UTC), tz)
    unfinished = [d for d in days if d > last]
    if unfinished:
        raise IncompleteDayError(
            f"day {unfinished[0]} has not ended yet in {tz.key}; the last complete day is {last}"
        )
