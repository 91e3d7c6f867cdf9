"""Test helper: a day written as text, as expected rows spell it."""

from __future__ import annotations

import datetime as dt


def day(text: str) -> dt.date:
    """``"2024-03-31"`` -> ``datetime.date(2024, 3, 31)``."""
    return dt.date.fromisoformat(text)


def days_left_to_the_schedule(
    timezone: str = "Europe/Paris", hour: int = 0, minute: int = 15, lookback_days: int = 0
) -> int:
    """The days of the daily schedule's lookback window (default: the settings' default) while
    it owns them (the catch-up leaves them alone: local midnight until two hours after the
    schedule's time), else 0."""
    from analytics_assets.automation.catch_up import schedule_owns_newest_day
    from analytics_assets.settings import LOOKBACK_DAYS

    owns = schedule_owns_newest_day(
        dt.datetime.now(dt.UTC), timezone, hour, minute, dt.timedelta(hours=2)
    )
    return (lookback_days or LOOKBACK_DAYS) if owns else 0
