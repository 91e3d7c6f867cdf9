"""Test helper: a day written as text, as expected rows spell it."""

from __future__ import annotations

import datetime as dt


def day(text: str) -> dt.date:
    """``"2024-03-31"`` -> ``datetime.date(2024, 3, 31)``."""
    return dt.date.fromisoformat(text)
