"""The daily schedule: shortly after local midnight, yesterday's partition of every asset."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from analytics_assets.assembly.location_names import LocationNames

DAILY_JOB_NAME = LocationNames().daily_job
DAILY_SCHEDULE_NAME = LocationNames().daily_schedule


def build_daily_schedule(
    asset_keys: Sequence[dg.AssetKey],
    *,
    hour: int,
    minute: int,
    running: bool = True,
    names: LocationNames = LocationNames(),
    unplanned_checks: Sequence[dg.AssetCheckKey] = (),
):  # the type build_schedule_from_partitioned_job returns (an unresolved schedule) is private
    """Runs at ``hour:minute`` in the partitions' time zone for the last complete local day.

    The partitions end at the last complete day, so a tick at 00:15 in Los Angeles asks
    for the day that has just ended there, never for one still running in another zone.
    """
    job = dg.define_asset_job(
        names.daily_job,
        selection=dg.AssetSelection.assets(*asset_keys)
        - dg.AssetSelection.checks(*unplanned_checks),
        description="Yesterday's rows of every extractor, then its delta view.",
    )
    return dg.build_schedule_from_partitioned_job(
        job,
        hour_of_day=hour,
        minute_of_hour=minute,
        default_status=dg.DefaultScheduleStatus.RUNNING
        if running
        else dg.DefaultScheduleStatus.STOPPED,
        name=names.daily_schedule,
    )
