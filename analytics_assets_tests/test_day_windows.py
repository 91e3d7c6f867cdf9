"""Local-day windows are local midnight to next local midnight, 23 h / 25 h on DST days."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from analytics_assets.assembly.partitions import daily_partitions
from analytics_assets.extract import day_window, last_complete_day
from analytics_assets.settings import load_settings

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
UTC = dt.UTC


@pytest.mark.parametrize(
    ("day", "start_utc", "end_utc", "hours"),
    [
        (dt.date(2024, 3, 27), "2024-03-26T23:00", "2024-03-27T23:00", 24),
        (dt.date(2024, 3, 31), "2024-03-30T23:00", "2024-03-31T22:00", 23),  # spring forward
        (dt.date(2024, 10, 27), "2024-10-26T22:00", "2024-10-27T23:00", 25),  # fall back
        (dt.date(2024, 7, 14), "2024-07-13T22:00", "2024-07-14T22:00", 24),
    ],
)
def test_paris_day_window_follows_local_midnights(day, start_utc, end_utc, hours):
    start, end = day_window(day, PARIS)
    assert start.astimezone(UTC).replace(tzinfo=None) == dt.datetime.fromisoformat(start_utc)
    assert end.astimezone(UTC).replace(tzinfo=None) == dt.datetime.fromisoformat(end_utc)
    assert (end - start) == dt.timedelta(hours=hours)
    assert start.tzinfo is not None and end.tzinfo is not None


def test_midnight_that_does_not_exist_starts_the_day_at_its_first_instant():
    # Santiago jumped from 24:00 to 01:00 on 2024-09-08: local midnight never happened.
    santiago = ZoneInfo("America/Santiago")
    start, end = day_window(dt.date(2024, 9, 8), santiago)
    assert start.astimezone(UTC) == dt.datetime(2024, 9, 8, 4, 0, tzinfo=UTC)
    assert end - start == dt.timedelta(hours=23)


@pytest.mark.parametrize(
    ("now_utc", "tz", "expected"),
    [
        ("2024-03-10T23:30", PARIS, dt.date(2024, 3, 10)),  # 00:30 on the 11th in Paris
        ("2024-03-10T22:30", PARIS, dt.date(2024, 3, 9)),  # still the 10th in Paris
        ("2024-03-11T03:30", NEW_YORK, dt.date(2024, 3, 9)),  # 23:30 on the 10th in New York
        ("2024-03-11T04:30", NEW_YORK, dt.date(2024, 3, 10)),  # 00:30 on the 11th (EDT)
    ],
)
def test_last_complete_day_is_yesterday_in_the_local_zone(now_utc, tz, expected):
    now = dt.datetime.fromisoformat(now_utc).replace(tzinfo=UTC)
    assert last_complete_day(now, tz) == expected


def test_daily_partitions_are_the_same_windows_as_the_extractor_gets(monkeypatch):
    monkeypatch.setenv("ANALYTICS_FIRST_DATE", "2024-03-29")
    monkeypatch.setenv("ANALYTICS_TIMEZONE", "Europe/Paris")
    partitions = daily_partitions(load_settings())
    for key in ["2024-03-30", "2024-03-31", "2024-04-01"]:
        window = partitions.time_window_for_partition_key(key)
        assert (window.start, window.end) == day_window(dt.date.fromisoformat(key), PARIS)


def test_partitions_end_with_the_last_complete_local_day(monkeypatch):
    monkeypatch.setenv("ANALYTICS_FIRST_DATE", "2024-01-01")
    partitions = daily_partitions(load_settings())
    now = dt.datetime(2024, 3, 10, 23, 30, tzinfo=UTC)  # 00:30 on the 11th in Paris
    with dg.partition_loading_context(effective_dt=now):
        assert partitions.get_last_partition_key() == "2024-03-10"
    earlier = dt.datetime(2024, 3, 10, 22, 30, tzinfo=UTC)  # 23:30 on the 10th in Paris
    with dg.partition_loading_context(effective_dt=earlier):
        assert partitions.get_last_partition_key() == "2024-03-09"
