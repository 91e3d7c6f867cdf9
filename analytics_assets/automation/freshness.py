"""Freshness per day: is the latest day that is due materialized? A check per extractor, kept
current by a sensor.

Dagster's ``FreshnessPolicy`` judges an asset by its newest materialization of *any*
partition: a catch-up rewriting 2024 at 03:00 made an extractor look fresh at 06:00 while
yesterday was missing. Here an extractor is **late** when the latest local day whose
deadline has passed (``fresh_by_hour`` o'clock the next morning, in the location's time
zone) has no materialization, whatever else was written; it is **on time** once that day
is there.

The verdict is the check ``latest_day_on_time`` of each extractor's asset (WARN: the data
written is right, a day is missing). The sensor reports it (``SensorResult.asset_events``,
no run) whenever it changes, within ``FRESHNESS_INTERVAL_SECONDS``; executing the check
from the UI computes the same verdict in a run.
"""

# No `from __future__ import annotations`: Dagster reads the check's context annotation.
import datetime as dt
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg

from analytics_assets.automation import clock

CHECK_NAME = "latest_day_on_time"
#: How often the sensor looks (seconds): a day turns late or on time in the UI within this.
FRESHNESS_INTERVAL_SECONDS = 60


def freshness_check_keys(asset_keys: Sequence[dg.AssetKey]) -> list[dg.AssetCheckKey]:
    """The ``latest_day_on_time`` checks of ``asset_keys``: evaluated by the sensor, never
    planned in a run of days (the daily run, the catch-up, the testing kit's data checks)."""
    return [dg.AssetCheckKey(key, CHECK_NAME) for key in asset_keys]


def is_data_check(key: dg.AssetCheckKey) -> bool:
    """Whether ``key`` checks the data of the days a run writes, not the latest day's time."""
    return key.name != CHECK_NAME


def due_day(now: dt.datetime, timezone: str, fresh_by_hour: int) -> tuple[dt.date, dt.datetime]:
    """The latest local day due at ``now``, and its deadline: the day before the last
    ``fresh_by_hour`` o'clock that has passed (a 23 h or 25 h day changes nothing)."""
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    deadline = dt.datetime.combine(today, dt.time(fresh_by_hour), zone)
    if now < deadline:
        today -= dt.timedelta(days=1)
        deadline = dt.datetime.combine(today, dt.time(fresh_by_hour), zone)
    return today - dt.timedelta(days=1), deadline


@dataclass(frozen=True)
class Verdict:
    """Whether the day due for ``asset_key`` is materialized, as the check reports it."""

    asset_key: dg.AssetKey
    day: dt.date
    deadline: dt.datetime
    passed: bool
    description: str
    metadata: dict[str, dg.MetadataValue]

    @property
    def state(self) -> str:
        """What the sensor remembers: a new day or a new outcome is reported again."""
        return f"{self.day}:{'on_time' if self.passed else 'late'}"

    def evaluation(self) -> dg.AssetCheckEvaluation:
        """The verdict as the sensor reports it (no run)."""
        return dg.AssetCheckEvaluation(**self._fields())

    def result(self) -> dg.AssetCheckResult:
        """The verdict as the check executed in a run yields it."""
        return dg.AssetCheckResult(**self._fields())

    def _fields(self) -> dict[str, Any]:
        return {
            "asset_key": self.asset_key,
            "check_name": CHECK_NAME,
            "passed": self.passed,
            "severity": dg.AssetCheckSeverity.WARN,
            "metadata": self.metadata,
            "description": self.description,
        }


def verdict(
    instance: dg.DagsterInstance,
    asset_key: dg.AssetKey,
    partitions_def: dg.TimeWindowPartitionsDefinition,
    fresh_by_hour: int,
    now: dt.datetime,
) -> Verdict:
    """The freshness of ``asset_key`` at ``now``, from two reads of Dagster's event log."""
    day, deadline = due_day(now, partitions_def.timezone, fresh_by_hour)
    due = f"{day} (due by {deadline:%Y-%m-%d %H:%M} {partitions_def.timezone})"
    metadata: dict[str, dg.MetadataValue] = {
        "due_day": dg.MetadataValue.text(day.isoformat()),
        "deadline": dg.MetadataValue.timestamp(deadline),
    }
    first = partitions_def.start.date()
    if day < first:
        description = f"no day is due yet: the first day is {first}"
        return Verdict(asset_key, day, deadline, True, description, metadata)
    materialized = _latest(instance, dg.AssetRecordsFilter(asset_key, [day.isoformat()]))
    if materialized is not None:
        metadata["materialized_at"] = dg.MetadataValue.timestamp(materialized.timestamp)
        return Verdict(asset_key, day, deadline, True, f"on time: {due} is materialized", metadata)
    description = f"late: {due} is not materialized"
    newest = _latest(instance, dg.AssetRecordsFilter(asset_key))
    if newest is not None:
        written = dt.datetime.fromtimestamp(newest.timestamp, ZoneInfo(partitions_def.timezone))
        metadata["newest_write"] = dg.MetadataValue.text(
            f"{newest.partition_key} at {written:%Y-%m-%d %H:%M}"
        )
        description += f" (the newest write, {metadata['newest_write'].value}, was another day)"
    return Verdict(asset_key, day, deadline, False, description, metadata)


def _latest(
    instance: dg.DagsterInstance, records_filter: dg.AssetRecordsFilter
) -> dg.EventLogRecord | None:
    records = instance.fetch_materializations(records_filter, limit=1).records
    return records[0] if records else None


def build_freshness_checks(
    asset_keys: Sequence[dg.AssetKey],
    partitions_def: dg.TimeWindowPartitionsDefinition,
    fresh_by_hour: int,
    name: str,
) -> dg.AssetChecksDefinition:
    """The ``latest_day_on_time`` check of each of ``asset_keys``, executable in a run."""
    specs = [
        dg.AssetCheckSpec(
            CHECK_NAME,
            asset=key,
            description=f"The latest local day is materialized by {fresh_by_hour}:00 the next "
            "morning, whatever older days were written (evaluated by the freshness sensor).",
        )
        for key in asset_keys
    ]

    @dg.multi_asset_check(name=name, specs=specs, can_subset=True)
    def freshness_checks(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
        now = clock.now()
        for check_key in context.selected_asset_check_keys:
            key = check_key.asset_key
            yield verdict(context.instance, key, partitions_def, fresh_by_hour, now).result()

    return freshness_checks


def build_freshness_sensor(
    asset_keys: Sequence[dg.AssetKey],
    partitions_def: dg.TimeWindowPartitionsDefinition,
    fresh_by_hour: int,
    *,
    running: bool,
    name: str,
) -> dg.SensorDefinition:
    """A sensor reporting each asset's ``latest_day_on_time`` whenever its verdict changes."""

    @dg.sensor(
        name=name,
        minimum_interval_seconds=FRESHNESS_INTERVAL_SECONDS,
        default_status=dg.DefaultSensorStatus.RUNNING
        if running
        else dg.DefaultSensorStatus.STOPPED,
        description=f"Reports whether each extractor's latest due day is materialized "
        f"(late after {fresh_by_hour}:00 local the next morning); launches no run.",
    )
    def freshness(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        now = clock.now()
        reported: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
        events: list[dg.AssetCheckEvaluation] = []
        for key in asset_keys:
            found = verdict(context.instance, key, partitions_def, fresh_by_hour, now)
            if reported.get(key.to_user_string()) != found.state:
                reported[key.to_user_string()] = found.state
                events.append(found.evaluation())
                context.log.info(f"{key.to_user_string()} {CHECK_NAME}: {found.description}")
        return dg.SensorResult(asset_events=events, cursor=json.dumps(reported, sort_keys=True))

    return freshness
