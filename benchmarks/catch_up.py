"""Section 1, catch-up: all history into an empty warehouse, against its floor and stock Dagster.

* **pipeline**: the backfills the catch-up sensor plans on an empty instance (the real
  sensor, evaluated at a fixed instant just after the last day), each executed as the
  single-run backfill it launches: one in-process run per chunk, partition range tags,
  every benchmarked asset and its checks, on a persistent (SQLite) DagsterInstance as
  ``dagster dev`` has, then again from an empty warehouse on the production instance
  (PostgreSQL) when the local server answers;
* **raw floor**: the same extraction code, rows to parquet, one load per table;
* **stock**: one run per partition (Dagster's default backfill policy) on a sample of
  days, in process on the same kind of instance and, optionally, as launched runs (a
  fresh process loading the code location per partition, as the run launcher does).
"""

from __future__ import annotations

import datetime as dt
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dagster as dg

from analytics_assets.assembly.sources import extractor_resources
from analytics_assets.automation.catch_up import CATCH_UP_TAG, build_catch_up_sensor
from analytics_assets.automation.catch_up_plan import CatchUpChunk, Reason
from analytics_assets.automation.clock import frozen_at
from analytics_assets.settings import load_settings
from benchmarks.config import BenchmarkConfig
from benchmarks.event_clock import clocked_event_storage
from benchmarks.location import Location, spread_days, table_rows
from benchmarks.production_instance import (
    postgres_unreachable_reason,
    production_instance,
)
from benchmarks.raw_load import raw_load
from benchmarks.report import Report, Row, ratio, seconds, timed
from benchmarks.stock import stock_in_process, stock_launched

RAW_DATASET_SUFFIX = "_raw_floor"


def planned_chunks(location: Location, config: BenchmarkConfig) -> list[CatchUpChunk]:
    """The backfills the real catch-up sensor requests on an empty instance after the last day."""
    settings = load_settings()
    tz = settings.tz
    after_last_day = dt.datetime.combine(
        config.last_date + dt.timedelta(days=1), dt.time(12), tzinfo=tz
    )
    sensor = build_catch_up_sensor(
        list(location.asset_keys),
        chunk_days=settings.catch_up_chunk_days,
        retry_failed_after=dt.timedelta(minutes=settings.retry_failed_after_minutes),
        daily_hour=settings.daily_hour,
        daily_minute=settings.daily_minute,
    )
    with dg.instance_for_test() as instance, frozen_at(after_last_day.astimezone(dt.UTC)):
        context = dg.build_sensor_context(instance=instance, definitions=location.defs)
        result = sensor.evaluate_tick(context)
    chunks = []
    for request in result.run_requests or []:
        subset = request.asset_graph_subset
        assert subset is not None
        keys = tuple(sorted(subset.asset_keys, key=lambda k: k.to_user_string()))
        days = sorted(
            {day for key in keys for day in subset.get_partitions_subset(key).get_partition_keys()}
        )
        chunks.append(CatchUpChunk(days[0], days[-1], keys, Reason.MISSING))
    return sorted(chunks, key=lambda c: c.first)


def run_pipeline(
    location: Location, chunks: list[CatchUpChunk], instance: dg.DagsterInstance
) -> list[str]:
    """Execute the chunks in order; the ids of their runs."""
    return [
        location.run(
            instance,
            keys=chunk.assets,
            first=chunk.first,
            last=chunk.last,
            tags={CATCH_UP_TAG: "missing"},
        ).run_id
        for chunk in chunks
    ]


_Store = Callable[[Any], None]


def run_raw_floor(location: Location, config: BenchmarkConfig) -> dict[str, int]:
    """Load every benchmarked table the raw way into a dataset of its own; rows per table."""
    warehouse = location.warehouse.model_copy(
        update={"dataset": location.warehouse.dataset + RAW_DATASET_SUFFIX}
    )
    warehouse.tables().ensure_dataset()
    client = warehouse.get_client()
    days = [config.first_date + dt.timedelta(days=n) for n in range(config.days)]
    rows = {}
    with dg.build_resources(dict(location.defs.resources or {})) as resources:
        for cls in location.extractors:
            extractor = cls(resources=extractor_resources(cls, resources))
            table_id = warehouse.table_id(cls.table.name)
            rows[cls.table.name] = raw_load(extractor, days, load_settings().tz, client, table_id)
    return rows


def _per_partition(total: float, partitions: int) -> float:
    return total / partitions


@dataclass(frozen=True)
class PipelineRun:
    """The chunks executed on one instance: seconds, events stored, rows written per table."""

    seconds: float
    #: Events in the runs' logs, and the time the instance's storage took to store them.
    events: int
    event_storage_seconds: float
    events_stored: int
    written: dict[str, int]


def measure_pipeline(
    location: Location, chunks: list[CatchUpChunk], instance: dg.DagsterInstance
) -> PipelineRun:
    """Run the chunks from an empty warehouse dataset on ``instance``."""
    warehouse = location.warehouse
    warehouse.get_client().delete_dataset(
        warehouse.tables().dataset_id, delete_contents=True, not_found_ok=True
    )
    with clocked_event_storage(instance) as clock:
        run_ids, pipeline = timed(lambda: run_pipeline(location, chunks, instance))
    events = sum(len(instance.all_logs(run_id)) for run_id in run_ids)
    written = {cls.table.name: table_rows(warehouse, cls.table.name) for cls in location.extractors}
    return PipelineRun(pipeline, events, clock.seconds, clock.events, written)


def _report_production(
    location: Location, chunks: list[CatchUpChunk], raw: float, partitions: int, report: Report
) -> PipelineRun | None:
    unreachable = postgres_unreachable_reason()
    if unreachable is not None:
        report.note(f"catch-up on the production instance not measured: {unreachable}")
        return None
    with production_instance() as instance:
        production = measure_pipeline(location, chunks, instance)
    report.add(
        Row(
            f"catch-up {partitions} days",
            f"pipeline, production instance (PostgreSQL, {len(chunks)} runs)",
            seconds(production.seconds),
            "raw floor",
            seconds(raw),
            ratio(production.seconds, raw),
            "<= 2x",
            production.seconds <= 2 * raw,
        )
    )
    _report_bookkeeping(report, f"catch-up {partitions} days", "PostgreSQL", production, raw)
    return production


def _report_bookkeeping(
    report: Report, section: str, instance_name: str, run: PipelineRun, raw: float
) -> None:
    """The pipeline without the time its instance spent storing events, next to the floor."""
    work = run.seconds - run.event_storage_seconds
    report.add(
        Row(
            section,
            f"  of which storing Dagster events ({instance_name})",
            seconds(run.event_storage_seconds),
            "pipeline without it",
            seconds(work),
            f"{work / raw:.2f}x floor",
            "",
            None,
        )
    )
    report.note(
        f"catch-up on the {instance_name} instance: the runs logged {run.events:,} events (a "
        "planned and a materialization event per day and asset, the partition status the UI "
        f"shows); its storage spent {run.event_storage_seconds:.0f} s of the pipeline's "
        f"{run.seconds:.0f} s storing {run.events_stored:,} events "
        f"({run.event_storage_seconds / max(run.events_stored, 1) * 1000:.1f} ms each)."
    )


def measure_catch_up(location: Location, config: BenchmarkConfig, report: Report) -> dict[str, Any]:
    chunks = planned_chunks(location, config)
    partitions = config.days
    with (
        tempfile.TemporaryDirectory(prefix="benchmark-instance-") as home,
        dg.DagsterInstance.local_temp(home) as instance,
    ):
        embedded = measure_pipeline(location, chunks, instance)
        pipeline, written = embedded.seconds, embedded.written
        raw_rows, raw = timed(lambda: run_raw_floor(location, config))
        if raw_rows != written:
            raise AssertionError(f"raw floor rows {raw_rows} differ from the pipeline's {written}")
        sample = spread_days(config.first_date, config.last_date, config.stock_sample_days)
        in_process = stock_in_process(location, sample, instance)
        launched = stock_launched(location, sample[: config.stock_launched_days], home)
    per_partition = _per_partition(pipeline, partitions)
    total_rows = sum(written.values())
    section = f"catch-up {partitions} days"
    report.add(
        Row(
            section,
            f"pipeline, embedded instance (SQLite, {len(chunks)} runs)",
            seconds(pipeline),
            "raw floor",
            seconds(raw),
            ratio(pipeline, raw),
            "<= 2x",
            pipeline <= 2 * raw,
        )
    )
    _report_bookkeeping(report, section, "SQLite", embedded, raw)
    stock = statistics.median(in_process)
    report.add(
        Row(
            section,
            "per partition",
            f"{per_partition * 1000:.0f} ms",
            f"stock run per partition, in process (median of {len(in_process)})",
            seconds(stock),
            f"{stock / per_partition:.0f}x faster",
            "",  # informative: a default backfill launches each run (next row)
            None,
        )
    )
    if launched:
        stock_launch = statistics.median(launched)
        report.add(
            Row(
                section,
                "per partition",
                f"{per_partition * 1000:.0f} ms",
                f"stock run per partition, launched (median of {len(launched)})",
                seconds(stock_launch),
                f"{stock_launch / per_partition:.0f}x faster",
                ">= 50x",
                stock_launch >= 50 * per_partition,
            )
        )
    report.add(
        Row(
            section,
            "rows per second",
            f"{total_rows / pipeline:,.0f}",
            "raw floor",
            f"{total_rows / raw:,.0f}",
            ratio(total_rows / pipeline, total_rows / raw),
            "",
            None,
        )
    )
    production = _report_production(location, chunks, raw, partitions, report)
    if production is not None and production.written != written:
        raise AssertionError(f"production instance rows {production.written} differ: {written}")
    report.note(
        f"catch-up: {total_rows:,} rows ({', '.join(f'{t} {n:,}' for t, n in written.items())}) "
        f"from {config.first_date} to {config.last_date}; {len(chunks)} single-run backfills of "
        f"{config.chunk_days} days planned by the catch-up sensor, executed in process on a "
        "SQLite DagsterInstance (no daemon); raw floor rows equal the pipeline's. The stock "
        "baseline is the launched run: a default backfill starts one process per partition that "
        "loads the code location; the in-process stock run is its lower bound, shown for scale."
    )
    return {"pipeline": pipeline, "raw": raw, "rows": total_rows}
