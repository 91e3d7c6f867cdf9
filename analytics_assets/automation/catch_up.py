"""The catch-up sensor: builds every missing or failed day since FIRST_DATE, in bounded chunks.

Each tick reads the status of every partition of every asset it watches, plans what to
(re)build (:mod:`analytics_assets.automation.catch_up_plan`) and requests one run per chunk:
the chunk's assets over its range of days, written in one run as a single-run backfill is
(Dagster's ``dagster/asset_partition_range_start``/``_end`` tags), tagged ``analytics/catch_up``
with the reason (``missing`` or ``retry``); the run queue limits how many run at once. The
runs are created by the sensor's tick itself, so a chunk starts within seconds of the tick
instead of waiting for the backfill daemon's next 30 s loop (about 30 s of the demo's first
start); they are listed under the sensor's ticks and on *Runs*, not on *Backfills*. Days in
progress, or targeted by a backfill a user launched that has not finished, are left alone.
The newest days belong to the daily schedule from local midnight until ``schedule_grace``
after its tick time: the day that has just ended, and the older days of its lookback
window (``lookback_days``, which it re-extracts anyway), so the two never race for a day.
Days whose run failed on a configuration error are held back
until the code location is loaded anew (:mod:`.catch_up_cursor`), then retried whole. The
time it plans for is :func:`analytics_assets.automation.clock.now`, which tests can set.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

import dagster as dg

from analytics_assets.assembly.dagster_private import days_in_unfinished_backfills
from analytics_assets.assembly.location_names import LocationNames
from analytics_assets.assembly.partitions import partitions_of
from analytics_assets.assembly.run_tags import RANGE_END_TAG, RANGE_START_TAG
from analytics_assets.automation import clock
from analytics_assets.automation.catch_up_checks import (
    CHECKED_DAYS_TAG,
    checks_of_chunk,
    history_checks,
    unchecked_assets,
)
from analytics_assets.automation.catch_up_cursor import CatchUpCursor, hold_or_release
from analytics_assets.automation.catch_up_plan import CatchUpChunk, Reason, Status, plan_catch_up
from analytics_assets.automation.failed_runs import (
    FailedRun,
    configuration_failed_days,
    recent_failed_runs,
)
from analytics_assets.automation.freshness import is_data_check
from analytics_assets.automation.unfinished_runs import days_of_unfinished_runs

CATCH_UP_TAG = "analytics/catch_up"
#: The days a catch-up run writes, readable on the Runs page (Dagster hides its own range
#: tags there): ``2024-01-01..2024-12-30``.
DAYS_TAG = "analytics/days"
SENSOR_NAME = LocationNames().catch_up_sensor


def asset_families(
    context: dg.SensorEvaluationContext, asset_keys: Sequence[dg.AssetKey]
) -> list[list[dg.AssetKey]]:
    """Each watched asset without a watched parent, followed by its watched children."""
    assert context.repository_def is not None
    graph = context.repository_def.asset_graph
    watched = set(asset_keys)
    roots = [key for key in asset_keys if not graph.get(key).parent_keys & watched]
    return [
        [root, *sorted(graph.get(root).child_keys & watched, key=lambda k: k.to_user_string())]
        for root in roots
    ]


def schedule_owns_newest_day(
    now: dt.datetime, tz: str, daily_hour: int, daily_minute: int, grace: dt.timedelta
) -> bool:
    """True from local midnight until the daily tick plus ``grace``: the schedule's turn."""
    local = now.astimezone(ZoneInfo(tz))
    tick = local.replace(hour=daily_hour, minute=daily_minute, second=0, microsecond=0)
    return local < tick + grace


def _busy_days(
    context: dg.SensorEvaluationContext,
    asset_keys: Sequence[dg.AssetKey],
    partitions: dg.TimeWindowPartitionsDefinition,
    statuses: Mapping[dg.AssetKey, Mapping[str, Status | None]],
) -> dict[dg.AssetKey, set[str]]:
    """Days in progress, covered by a run that has not finished (whatever its stored plan
    says), or targeted by a backfill that has not finished, per asset."""
    assert context.repository_def is not None
    graph = context.repository_def.asset_graph
    busy = days_in_unfinished_backfills(context.instance, graph, asset_keys)
    for key, covered in days_of_unfinished_runs(context.instance, asset_keys, partitions).items():
        busy.setdefault(key, set()).update(covered)
    for key, by_day in statuses.items():
        busy.setdefault(key, set()).update(
            day for day, status in by_day.items() if status == Status.IN_PROGRESS
        )
    return busy


def _recent_retries(
    retried: dict[str, str], now: dt.datetime, retry_failed_after: dt.timedelta
) -> dict[str, str]:
    """The "asset|day" entries retried less than ``retry_failed_after`` ago."""
    cutoff = (now - retry_failed_after).isoformat()
    return {entry: when for entry, when in retried.items() if when > cutoff}


def _blocked(
    retried: dict[str, str], held: Mapping[dg.AssetKey, set[str]]
) -> dict[dg.AssetKey, set[str]]:
    blocked: dict[dg.AssetKey, set[str]] = defaultdict(set)
    for entry in retried:
        asset, _, day = entry.rpartition("|")
        blocked[dg.AssetKey.from_user_string(asset)].add(day)
    for key, days in held.items():
        blocked[key] |= days
    return blocked


def _held_back(
    context: dg.SensorEvaluationContext,
    statuses: Mapping[dg.AssetKey, Mapping[str, Status | None]],
    cursor: CatchUpCursor,
    now: dt.datetime,
) -> tuple[dict[dg.AssetKey, set[str]], dict[dg.AssetKey, set[str]], list[FailedRun]]:
    """Failed days held back after a configuration error, those to retry whole, the runs."""
    failed = {
        key: [day for day, status in by_day.items() if status == Status.FAILED]
        for key, by_day in statuses.items()
    }
    if not any(failed.values()):
        cursor.held = {}
        return {}, {}, []
    failures = recent_failed_runs(context.instance, list(statuses), now)
    return hold_or_release(cursor, configuration_failed_days(failures, failed))


def _range_run_request(
    chunk: CatchUpChunk, check_keys: Sequence[dg.AssetCheckKey]
) -> dg.RunRequest:
    """One run writing the days ``chunk.first..chunk.last`` of ``chunk.assets``, with their
    checks (of ``check_keys``, every check of the location) if it is a short one."""
    return dg.RunRequest(
        asset_selection=list(chunk.assets),
        asset_check_keys=checks_of_chunk(chunk, check_keys),
        tags={
            RANGE_START_TAG: chunk.first,
            RANGE_END_TAG: chunk.last,
            CATCH_UP_TAG: chunk.reason.value,
            DAYS_TAG: f"{chunk.first}..{chunk.last}",
        },
    )


def requested_chunk(request: dg.RunRequest) -> CatchUpChunk:
    """The chunk a run request of this sensor writes (or, for a run of checks alone, checks):
    the inverse of its request."""
    tags = request.tags
    if CHECKED_DAYS_TAG in tags:
        first, _, last = tags[CHECKED_DAYS_TAG].partition("..")
        checked = {check.asset_key for check in request.asset_check_keys or ()}
        keys = tuple(sorted(checked, key=lambda key: key.to_user_string()))
        return CatchUpChunk(first, last, keys, Reason.CHECKS)
    keys = tuple(sorted(request.asset_selection or (), key=lambda key: key.to_user_string()))
    return CatchUpChunk(
        tags[RANGE_START_TAG], tags[RANGE_END_TAG], keys, Reason(tags[CATCH_UP_TAG])
    )


def build_catch_up_sensor(
    asset_keys: Sequence[dg.AssetKey],
    *,
    chunk_days: int,
    retry_failed_after: dt.timedelta,
    daily_hour: int,
    daily_minute: int,
    lookback_days: int = 1,
    schedule_grace: dt.timedelta = dt.timedelta(hours=2),
    minimum_interval_seconds: int = 120,
    running: bool = True,
    name: str = SENSOR_NAME,
) -> dg.SensorDefinition:
    """A running-by-default sensor that builds ``asset_keys`` from their first partition,
    leaving the daily schedule's ``lookback_days`` newest days to it during its grace."""

    @dg.sensor(
        name=name,
        asset_selection=list(asset_keys),
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING
        if running
        else dg.DefaultSensorStatus.STOPPED,
        description=(
            f"Builds every missing day since the first date in runs of up to {chunk_days} "
            "days, and retries failed days by bisection, never while they are in progress."
        ),
    )
    def catch_up_missing_days(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        partitions = partitions_of(context.repository_def, asset_keys[0])
        now = clock.now()
        all_keys = partitions.get_partition_keys(current_time=now)
        if all_keys and schedule_owns_newest_day(
            now, partitions.timezone, daily_hour, daily_minute, schedule_grace
        ):
            all_keys = all_keys[: -min(lookback_days, len(all_keys))]
        statuses = {
            key: context.instance.get_status_by_partition(key, all_keys, partitions) or {}
            for key in asset_keys
        }
        cursor = CatchUpCursor.parse(context.cursor)
        retried = _recent_retries(cursor.retried, now, retry_failed_after)
        held, released, held_runs = _held_back(context, statuses, cursor, now)
        for run in held_runs:
            context.log.warning(
                f"held back: run {run.run_id} failed on a configuration error "
                f"({run.configuration_error}); its days {run.first}..{run.last} are retried "
                "once the code location is loaded again (fix it, then reload or redeploy)"
            )
        chunks = plan_catch_up(
            all_keys,
            asset_families(context, asset_keys),
            statuses,
            _busy_days(context, asset_keys, partitions, statuses),
            chunk_days=chunk_days,
            retry_blocked=_blocked(retried, held),
            retry_whole=released,
        )
        assert context.repository_def is not None
        graph = context.repository_def.asset_graph
        check_keys = sorted(filter(is_data_check, graph.asset_check_keys))
        requests, cursor.unchecked = history_checks(
            cursor.unchecked,
            statuses,
            all_keys,
            check_keys,
            tags={CATCH_UP_TAG: Reason.CHECKS.value},  # counts in the catch-up's cap
        )
        for request in requests:
            context.log.info(f"catch-up run requested: {requested_chunk(request).describe()}")
        for chunk in chunks:
            requests.append(_range_run_request(chunk, check_keys))
            cursor.unchecked |= unchecked_assets(chunk, check_keys)
            context.log.info(f"catch-up run requested: {chunk.describe()}")
            if chunk.reason in (Reason.RETRY, Reason.RELOADED):
                first, last = all_keys.index(chunk.first), all_keys.index(chunk.last)
                for key in chunk.assets:
                    for day in all_keys[first : last + 1]:
                        retried[f"{key.to_user_string()}|{day}"] = now.isoformat()
        cursor.retried = retried
        if not requests:
            waiting = (
                f"; {len(held_runs)} failed run(s) held back until the code is reloaded"
                if held_runs
                else ""
            )
            return dg.SensorResult(
                skip_reason="every day is materialized, in progress or waiting for a retry"
                + waiting,
                cursor=cursor.dumps(),
            )
        return dg.SensorResult(run_requests=requests, cursor=cursor.dumps())

    return catch_up_missing_days
