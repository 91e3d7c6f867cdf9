"""Section 2, daily run: the schedule's run of its days, against a bare ``dg.materialize``.

The pipeline side asks the real daily schedule for its run request (evaluated at its tick
after the last day), then executes that run (partition, tags, every benchmarked asset and
its checks) on the repository's instance (its ``dagster.yaml``, storage in a temporary
folder: :mod:`benchmarks.embedded_instance`), as the daemon's run of ``dagster dev`` would
(until 2026-11-30 it ran on Dagster's stock SQLite instance, ``DagsterInstance.local_temp``,
whose event storage opens and fsyncs a database per event). The bare
side materializes the same assets and checks for the same days (the lookback window,
``ANALYTICS_LOOKBACK_DAYS``, in one run) with ``dg.materialize`` on an ephemeral instance.
Repetitions alternate the two; medians are compared.
"""

from __future__ import annotations

import datetime as dt
import statistics
import tempfile

import dagster as dg

from analytics_assets.assembly.run_tags import RANGE_END_TAG, RANGE_START_TAG
from analytics_assets.automation.daily import DAILY_JOB_NAME
from analytics_assets.settings import load_settings
from benchmarks.config import BenchmarkConfig
from benchmarks.embedded_instance import embedded_instance
from benchmarks.location import Location
from benchmarks.report import Report, Row, ratio, seconds, timed


def scheduled_request(location: Location, config: BenchmarkConfig) -> dg.RunRequest:
    """The run the daily schedule asks for at its tick the day after the last day."""
    settings = load_settings()
    tick = dt.datetime.combine(
        config.last_date + dt.timedelta(days=1),
        dt.time(settings.daily_hour, settings.daily_minute),
        tzinfo=settings.tz,
    )
    schedule = location.defs.get_schedule_def(f"{DAILY_JOB_NAME}_schedule")
    with dg.instance_for_test() as instance:
        context = dg.build_schedule_context(
            instance=instance,
            scheduled_execution_time=tick,
            repository_def=location.defs.get_repository_def(),
        )
        requests = schedule.evaluate_tick(context).run_requests or []
    (request,) = requests
    return request


def requested_days(request: dg.RunRequest) -> tuple[str, str | None]:
    """The first day a request asks for, and its last when it asks for a range (the lookback
    window, ANALYTICS_LOOKBACK_DAYS)."""
    key_range = request.partition_key_range
    if key_range is not None:
        return key_range.start, key_range.end
    assert request.partition_key is not None
    return request.partition_key, None


def bare_materialize(location: Location, first: str, last: str | None) -> dg.ExecuteInProcessResult:
    defs = location.defs
    return dg.materialize(
        [*(defs.assets or []), *(defs.asset_checks or [])],  # type: ignore[list-item]
        partition_key=None if last else first,
        tags={RANGE_START_TAG: first, RANGE_END_TAG: last} if last else None,
        resources=dict(defs.resources or {}),
        selection=list(location.asset_keys),
    )


def measure_daily_run(location: Location, config: BenchmarkConfig, report: Report) -> None:
    request = scheduled_request(location, config)
    first, last = requested_days(request)
    days = f"{first}..{last}" if last else first
    job = location.defs.resolve_job_def(DAILY_JOB_NAME)
    pipeline: list[float] = []
    bare: list[float] = []
    with (
        tempfile.TemporaryDirectory(prefix="benchmark-daily-") as home,
        embedded_instance(home) as instance,
    ):
        for _ in range(config.daily_repetitions):
            pipeline.append(
                timed(
                    lambda: location.run(
                        instance, first=first, last=last, tags=request.tags, job=job
                    )
                )[1]
            )
            bare.append(timed(lambda: bare_materialize(location, first, last))[1])
    scheduled, plain = statistics.median(pipeline), statistics.median(bare)
    report.add(
        Row(
            f"daily run {days}",
            f"scheduled run on instance (median of {len(pipeline)})",
            seconds(scheduled),
            "bare dg.materialize()",
            seconds(plain),
            ratio(scheduled, plain),
            "<= 1.5x",
            scheduled <= 1.5 * plain,
        )
    )
