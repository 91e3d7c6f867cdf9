"""The location's own daily schedule and catch-up sensor, evaluated at a chosen instant.

Both take the definitions under test (:func:`~analytics_assets.testing.location_definitions`,
or the loaded code location, ``analytics_assets.definitions.defs``) and evaluate the real
schedule and sensor in them: the schedule for a tick at ``at``, the sensor with its clock
set to ``at`` (:func:`analytics_assets.automation.clock.frozen_at`) on a Dagster instance
holding whatever runs the test recorded there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import dagster as dg

from analytics_assets.assembly.location_names import LocationNames
from analytics_assets.automation.catch_up import requested_chunk
from analytics_assets.automation.clock import frozen_at


def _aware(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is None:
        raise ValueError(f"{at.isoformat()} has no time zone: give the instant a tzinfo")
    return at


def evaluate_schedule(
    definitions: dg.Definitions,
    at: dt.datetime,
    instance: dg.DagsterInstance | None = None,
    *,
    key_prefix: Sequence[str] = (),
) -> list[dg.RunRequest]:
    """The runs the daily schedule requests at its tick ``at`` (aware): one run over the
    lookback window ending with the local day that has just ended (its
    ``partition_key_range``; its ``partition_key`` when the window is that day alone).
    ``key_prefix``: the location's (a Component instance's ``key_prefix``), which names its
    schedule."""
    schedule = definitions.resolve_schedule_def(LocationNames(tuple(key_prefix)).daily_schedule)
    context = dg.build_schedule_context(instance=instance, scheduled_execution_time=_aware(at))
    return list(schedule.evaluate_tick(context).run_requests or [])


class RequestedRun(NamedTuple):
    """One run the catch-up sensor asks for: days ``first`` to ``last`` of ``assets``."""

    first: str
    last: str
    assets: tuple[str, ...]
    #: ``missing`` (never materialized) or ``retry`` (failed before).
    reason: str


@dataclass(frozen=True)
class CatchUpTick:
    """What one evaluation of the catch-up sensor decided."""

    runs: list[RequestedRun]
    #: The cursor to give the next evaluation (when failed days were last retried).
    cursor: str | None
    #: Why nothing was requested, if nothing was.
    skip_reason: str | None
    result: dg.SensorResult


def _requested(request: dg.RunRequest) -> RequestedRun:
    chunk = requested_chunk(request)
    assets = tuple(key.to_user_string() for key in chunk.assets)
    return RequestedRun(chunk.first, chunk.last, assets, chunk.reason.value)


def evaluate_catch_up(
    definitions: dg.Definitions,
    at: dt.datetime,
    instance: dg.DagsterInstance,
    cursor: str | None = None,
    *,
    key_prefix: Sequence[str] = (),
) -> CatchUpTick:
    """One tick of the catch-up sensor at the instant ``at`` (aware), reading the status of
    every day from ``instance``; ``cursor`` is the previous tick's :attr:`CatchUpTick.cursor`;
    ``key_prefix`` as in :func:`evaluate_schedule`."""
    name = LocationNames(tuple(key_prefix)).catch_up_sensor
    sensor = definitions.resolve_sensor_def(name)
    context = dg.build_sensor_context(
        instance=instance, definitions=definitions, sensor_name=name, cursor=cursor
    )
    with frozen_at(_aware(at)):
        result = sensor(context)
    assert isinstance(result, dg.SensorResult)
    skip = result.skip_reason
    return CatchUpTick(
        runs=[_requested(request) for request in result.run_requests or []],
        cursor=result.cursor,
        skip_reason=skip.skip_message if skip else None,
        result=result,
    )


def run_catch_up(
    definitions: dg.Definitions, tick: CatchUpTick, instance: dg.DagsterInstance
) -> list[dg.ExecuteInProcessResult]:
    """Run what ``tick`` requested, in this process, on ``instance``: each run its assets
    over its range of days, with the checks it asked for, as the sensor's runs would."""
    everything = [*(definitions.assets or ()), *(definitions.asset_checks or ())]
    return [
        dg.materialize(
            everything,  # type: ignore[arg-type]  # checks are assets definitions to materialize()
            selection=dg.AssetSelection.assets(*(request.asset_selection or ())).without_checks()
            | dg.AssetSelection.checks(*(request.asset_check_keys or ())),
            resources=definitions.resources,
            instance=instance,
            tags=request.tags,
            raise_on_error=False,
        )
        for request in tick.result.run_requests or []
    ]
