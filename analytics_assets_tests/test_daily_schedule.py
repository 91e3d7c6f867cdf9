"""The daily schedule asks, at each tick, for the lookback window ending with exactly the local day
that has just ended, in one run (one day: an ordinary one-partition run)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from analytics_assets.automation.daily import DAILY_SCHEDULE_NAME
from analytics_assets.definitions import build_definitions
from analytics_assets.settings import LOOKBACK_DAYS, load_settings
from analytics_assets.testing import evaluate_schedule


def _request(timezone: str, hour: int, local_tick: str, lookback_days: int) -> dg.RunRequest:
    settings = dataclasses.replace(
        load_settings(),
        timezone=timezone,
        daily_hour=hour,
        daily_minute=15,
        lookback_days=lookback_days,
    )
    tick = dt.datetime.fromisoformat(local_tick).replace(tzinfo=ZoneInfo(timezone))
    (request,) = evaluate_schedule(build_definitions(settings), tick)
    return request


def _requested_partition(timezone: str, hour: int, local_tick: str) -> str | None:
    """The one day a schedule without lookback asks for."""
    request = _request(timezone, hour, local_tick, lookback_days=1)
    assert request.partition_key_range is None
    return request.partition_key


def _requested_window(timezone: str, hour: int, local_tick: str) -> tuple[str, str]:
    """The first and last day the default lookback window (3 days) asks for, in one run."""
    key_range = _request(timezone, hour, local_tick, LOOKBACK_DAYS).partition_key_range
    assert key_range is not None
    return key_range.start, key_range.end


def test_the_schedule_is_on_by_default_in_the_configured_zone_and_hour():
    settings = dataclasses.replace(load_settings(), timezone="Europe/Paris", daily_hour=1)
    schedule = build_definitions(settings).resolve_schedule_def(DAILY_SCHEDULE_NAME)
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert schedule.cron_schedule == "15 1 * * *"
    assert schedule.execution_timezone == "Europe/Paris"


@pytest.mark.parametrize(
    ("timezone", "hour", "local_tick", "partition"),
    [
        ("Europe/Paris", 0, "2024-06-12T00:15", "2024-06-11"),
        # spring forward: 31 March has 23 hours; the tick after it asks for it
        ("Europe/Paris", 0, "2024-03-31T00:15", "2024-03-30"),
        ("Europe/Paris", 0, "2024-04-01T00:15", "2024-03-31"),
        # fall back: 27 October has 25 hours
        ("Europe/Paris", 2, "2024-10-27T02:15", "2024-10-26"),
        ("Europe/Paris", 2, "2024-10-28T02:15", "2024-10-27"),
        # west of UTC: at 00:15 in Los Angeles it is already 08:15 UTC of the same day,
        # and the day asked for is the Los Angeles day that has just ended
        ("America/Los_Angeles", 0, "2024-06-12T00:15", "2024-06-11"),
        ("America/Los_Angeles", 0, "2024-11-04T00:15", "2024-11-03"),
        ("America/Los_Angeles", 0, "2024-03-11T00:15", "2024-03-10"),
    ],
)
def test_each_tick_requests_the_local_day_that_has_just_ended(
    timezone, hour, local_tick, partition
):
    assert _requested_partition(timezone, hour, local_tick) == partition
    first = dt.date.fromisoformat(partition) - dt.timedelta(days=LOOKBACK_DAYS - 1)
    assert _requested_window(timezone, hour, local_tick) == (first.isoformat(), partition)
