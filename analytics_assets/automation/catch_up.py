"""The catch-up sensor: backfills every missing or failed day since FIRST_DATE, in bounded chunks.

Each tick reads the status of every partition of every asset it watches and plans:

* **missing** days (never materialized): contiguous ranges cut into chunks of at most
  ``chunk_days``; each chunk is one backfill, written in one run per asset (single-run
  policy), so a bad day fails its chunk, never years of history;
* **failed** days: retried by bisection, each contiguous failed range in quarters (at
  least one day), so the good days of a failed chunk land on the next tick and a bad day
  ends up alone; a failed day is retried at most once per ``retry_failed_after``;
* days **in progress** (a run queued or running) or targeted by a backfill that has not
  finished are left alone, so no second backfill is ever launched for them.

The newest day belongs to the daily schedule for ``schedule_grace`` after its tick
time, so the two never race for it. Assets with the same chunk go in the same backfill,
so the extractors and their delta views are written together, each view after its
table (a view's days are planned with its table's, never before them).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

import dagster as dg
from dagster._core.definitions.assets.graph.asset_graph_subset import AssetGraphSubset
from dagster._core.execution.backfill import BulkActionsFilter, BulkActionStatus
from dagster._core.storage.partition_status_cache import AssetPartitionStatus

CATCH_UP_TAG = "analytics/catch_up"
SENSOR_NAME = "catch_up_missing_days"
ACTIVE_BACKFILL_STATUSES = [BulkActionStatus.REQUESTED, BulkActionStatus.CANCELING]


class Reason(StrEnum):
    MISSING = "missing"
    RETRY = "retry"


@dataclass(frozen=True)
class CatchUpChunk:
    """One backfill to launch: the days ``first..last`` of ``assets``."""

    first: str
    last: str
    assets: tuple[dg.AssetKey, ...]
    reason: Reason

    def describe(self) -> str:
        names = ", ".join(key.to_user_string() for key in self.assets)
        return f"{self.reason.value} {self.first}..{self.last} of {names}"


def chunked(days: list[str], size: int) -> list[list[str]]:
    return [days[start : start + size] for start in range(0, len(days), size)]


def _needs(status: AssetPartitionStatus | None) -> bool:
    return status is None or status == AssetPartitionStatus.FAILED


def _day_request(
    day: str,
    family: Sequence[dg.AssetKey],
    statuses: Mapping[dg.AssetKey, Mapping[str, AssetPartitionStatus | None]],
    busy: Mapping[dg.AssetKey, set[str]],
    blocked: Mapping[dg.AssetKey, set[str]],
) -> tuple[tuple[dg.AssetKey, ...], Reason] | None:
    """Which members of ``family`` to (re)build on ``day``, and why; None for nothing."""
    if any(day in busy.get(key, set()) for key in family):
        return None
    status = {key: statuses.get(key, {}).get(day) for key in family}
    failed = [key for key in family if status[key] == AssetPartitionStatus.FAILED]
    if any(day in blocked.get(key, set()) for key in failed):
        return None
    members = tuple(key for key in family if _needs(status[key]))
    if not members:
        return None
    return members, Reason.RETRY if failed else Reason.MISSING


def plan_catch_up(
    all_keys: Sequence[str],
    families: Sequence[Sequence[dg.AssetKey]],
    statuses: Mapping[dg.AssetKey, Mapping[str, AssetPartitionStatus | None]],
    busy: Mapping[dg.AssetKey, set[str]],
    *,
    chunk_days: int,
    retry_blocked: Mapping[dg.AssetKey, set[str]] | None = None,
) -> list[CatchUpChunk]:
    """The backfills that bring every asset to "every day materialized", oldest first.

    ``families``: an extract asset first, then the assets built from it (its delta view);
    a family's days are planned together so a view is never built before its table.
    ``busy``: days in progress or targeted by an unfinished backfill, per asset; the whole
    family is left alone on those days. ``retry_blocked``: failed days retried too
    recently to be retried again.
    """
    blocked = retry_blocked or {}
    chunks: list[CatchUpChunk] = []
    for family in families:
        run: list[str] = []
        run_request: tuple[tuple[dg.AssetKey, ...], Reason] | None = None
        for day in [*all_keys, None]:
            request = _day_request(day, family, statuses, busy, blocked) if day else None
            if request != run_request or request is None:
                if run_request is not None:
                    members, reason = run_request
                    size = chunk_days if reason == Reason.MISSING else math.ceil(len(run) / 4)
                    chunks += [
                        CatchUpChunk(days[0], days[-1], members, reason)
                        for days in chunked(run, max(1, size))
                    ]
                run, run_request = [], request
            if request is not None:
                run.append(day)  # type: ignore[arg-type]
    return _merge_same_days(chunks)


def _merge_same_days(chunks: Sequence[CatchUpChunk]) -> list[CatchUpChunk]:
    """One backfill per (days, reason): fewer runs, each asset still its own step."""
    merged: dict[tuple[str, str, Reason], list[dg.AssetKey]] = defaultdict(list)
    for chunk in chunks:
        merged[(chunk.first, chunk.last, chunk.reason)] += chunk.assets
    return [
        CatchUpChunk(first, last, tuple(sorted(keys, key=lambda k: k.to_user_string())), reason)
        for (first, last, reason), keys in sorted(merged.items())
    ]


def _partitions_def(
    context: dg.SensorEvaluationContext, asset_key: dg.AssetKey
) -> dg.TimeWindowPartitionsDefinition:
    assert context.repository_def is not None
    partitions = context.repository_def.asset_graph.get(asset_key).partitions_def
    assert isinstance(partitions, dg.TimeWindowPartitionsDefinition)
    return partitions


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


def _days_in_unfinished_backfills(
    context: dg.SensorEvaluationContext, asset_keys: Sequence[dg.AssetKey]
) -> dict[dg.AssetKey, set[str]]:
    assert context.repository_def is not None
    graph = context.repository_def.asset_graph
    busy: dict[dg.AssetKey, set[str]] = defaultdict(set)
    backfills = context.instance.get_backfills(
        filters=BulkActionsFilter(statuses=ACTIVE_BACKFILL_STATUSES)
    )
    for backfill in backfills:
        if not backfill.is_asset_backfill:
            continue
        target = backfill.get_asset_backfill_data(graph).target_subset
        for asset_key in asset_keys:
            if asset_key in target.asset_keys:
                busy[asset_key] |= set(target.get_partitions_subset(asset_key).get_partition_keys())
    return busy


def _retry_cursor(cursor: str | None) -> dict[str, str]:
    """The cursor maps "asset|day" to the ISO time the failed day was last retried."""
    try:
        loaded = json.loads(cursor) if cursor else {}
    except json.JSONDecodeError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _schedule_owns_newest_day(
    now: dt.datetime, tz: str, daily_hour: int, daily_minute: int, grace: dt.timedelta
) -> bool:
    """True from local midnight until the daily tick plus ``grace``: the schedule's turn."""
    local = now.astimezone(ZoneInfo(tz))
    tick = local.replace(hour=daily_hour, minute=daily_minute, second=0, microsecond=0)
    return local < tick + grace


def build_catch_up_sensor(
    asset_keys: Sequence[dg.AssetKey],
    *,
    chunk_days: int,
    retry_failed_after: dt.timedelta,
    daily_hour: int,
    daily_minute: int,
    schedule_grace: dt.timedelta = dt.timedelta(hours=2),
    minimum_interval_seconds: int = 120,
    running: bool = True,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> dg.SensorDefinition:
    """A running-by-default sensor that backfills ``asset_keys`` from their first partition.

    ``clock`` gives the current instant (tests pass a fixed one).
    """

    @dg.sensor(
        name=SENSOR_NAME,
        asset_selection=list(asset_keys),
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING
        if running
        else dg.DefaultSensorStatus.STOPPED,
        description=(
            f"Backfills every missing day since the first date in chunks of {chunk_days} "
            "days, and retries failed days by bisection, never while they are in progress."
        ),
    )
    def catch_up_missing_days(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        partitions = _partitions_def(context, asset_keys[0])
        now = clock()
        all_keys = partitions.get_partition_keys(current_time=now)
        if all_keys and _schedule_owns_newest_day(
            now, partitions.timezone, daily_hour, daily_minute, schedule_grace
        ):
            all_keys = all_keys[:-1]
        statuses = {
            key: context.instance.get_status_by_partition(key, all_keys, partitions) or {}
            for key in asset_keys
        }
        busy = _days_in_unfinished_backfills(context, asset_keys)
        for key, by_day in statuses.items():
            busy.setdefault(key, set()).update(
                day for day, status in by_day.items() if status == AssetPartitionStatus.IN_PROGRESS
            )
        retried = _retry_cursor(context.cursor)
        cutoff = (now - retry_failed_after).isoformat()
        retried = {entry: when for entry, when in retried.items() if when > cutoff}
        blocked: dict[dg.AssetKey, set[str]] = defaultdict(set)
        for entry in retried:
            asset, _, day = entry.rpartition("|")
            blocked[dg.AssetKey.from_user_string(asset)].add(day)
        chunks = plan_catch_up(
            all_keys,
            asset_families(context, asset_keys),
            statuses,
            busy,
            chunk_days=chunk_days,
            retry_blocked=blocked,
        )
        requests = []
        for chunk in chunks:
            days = all_keys[all_keys.index(chunk.first) : all_keys.index(chunk.last) + 1]
            subset = AssetGraphSubset(
                partitions_subsets_by_asset_key={
                    key: partitions.subset_with_partition_keys(days) for key in chunk.assets
                }
            )
            requests.append(
                dg.RunRequest.for_asset_graph_subset(
                    subset, tags={CATCH_UP_TAG: chunk.reason.value}
                )
            )
            context.log.info(f"backfill requested: {chunk.describe()}")
            if chunk.reason == Reason.RETRY:
                for key in chunk.assets:
                    for day in days:
                        retried[f"{key.to_user_string()}|{day}"] = now.isoformat()
        if not requests:
            return dg.SensorResult(
                skip_reason="every day is materialized, in progress or waiting for a retry",
                cursor=json.dumps(retried),
            )
        return dg.SensorResult(run_requests=requests, cursor=json.dumps(retried))

    return catch_up_missing_days
