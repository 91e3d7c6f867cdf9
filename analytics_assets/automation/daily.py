"""The daily schedule: shortly after local midnight, the last complete local days of every asset.

Each tick asks for ONE run over the lookback window: the ``lookback_days`` local days
ending with the day that has just ended (clamped at the first partition), written as a
single-run range as the catch-up's runs are (Dagster's range tags). A window of one day is
an ordinary one-partition request, as Dagster's own partitioned schedule makes. Days whose
rows did not change are compared, not rewritten (:mod:`analytics_assets.warehouse.restatement`).
"""

import datetime as dt
from collections.abc import Sequence

import dagster as dg

from analytics_assets.assembly.location_names import LocationNames
from analytics_assets.assembly.run_tags import RANGE_END_TAG, RANGE_START_TAG

DAILY_JOB_NAME = LocationNames().daily_job
DAILY_SCHEDULE_NAME = LocationNames().daily_schedule


def lookback_window(
    partitions: dg.TimeWindowPartitionsDefinition, at: dt.datetime, lookback_days: int
) -> tuple[str, str] | None:
    """The first and last day (partition keys) a tick at ``at`` asks for: ``lookback_days``
    days ending with the last complete local day, never before the first partition; None
    before the first day is complete."""
    with dg.partition_loading_context(effective_dt=at):
        last = partitions.get_last_partition_key()
        first_key = partitions.get_first_partition_key()
    if last is None or first_key is None:
        return None
    first = dt.date.fromisoformat(last) - dt.timedelta(days=lookback_days - 1)
    return max(first.isoformat(), first_key), last


def build_daily_schedule(
    asset_keys: Sequence[dg.AssetKey],
    partitions: dg.TimeWindowPartitionsDefinition,
    *,
    hour: int,
    minute: int,
    lookback_days: int = 1,
    running: bool = True,
    names: LocationNames = LocationNames(),
    unplanned_checks: Sequence[dg.AssetCheckKey] = (),
) -> dg.ScheduleDefinition:
    """Runs at ``hour:minute`` in the partitions' time zone for the last ``lookback_days``
    complete local days.

    The partitions end at the last complete day, so a tick at 00:15 in Los Angeles asks
    for the days up to the one that has just ended there, never for one still running in
    another zone.
    """
    job = dg.define_asset_job(
        names.daily_job,
        selection=dg.AssetSelection.assets(*asset_keys)
        - dg.AssetSelection.checks(*unplanned_checks),
        description="The last complete days' rows of every extractor, then its delta view.",
    )

    @dg.schedule(
        name=names.daily_schedule,
        job=job,
        cron_schedule=partitions.get_cron_schedule(minute_of_hour=minute, hour_of_day=hour),
        execution_timezone=partitions.timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING
        if running
        else dg.DefaultScheduleStatus.STOPPED,
        description=f"The last {lookback_days} complete local day(s), in one run.",
    )
    def daily_extract(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        window = lookback_window(partitions, context.scheduled_execution_time, lookback_days)
        if window is None:
            return dg.SkipReason("the first day is not complete yet")
        first, last = window
        if first == last:  # one day: the request Dagster's partitioned schedule makes
            tags = partitions.get_tags_for_partition_key(last)
            return dg.RunRequest(run_key=last, partition_key=last, tags=tags)
        return dg.RunRequest(
            run_key=f"{first}..{last}", tags={RANGE_START_TAG: first, RANGE_END_TAG: last}
        )

    return daily_extract
