"""Section 1, catch-up: all history into an empty warehouse, against its floor and stock Dagster.

* **pipeline**: the runs the catch-up sensor requests on an empty instance (the real
  sensor, evaluated at a fixed instant just after the last day), each executed as the
  run it requests: one in-process run per chunk, partition range tags,
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
import tempfile
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import dagster as dg

from analytics_assets.assembly.sources import extractor_resources
from analytics_assets.automation.catch_up import (
    build_catch_up_sensor,
    requested_chunk,
)
from analytics_assets.automation.catch_up_plan import CatchUpChunk
from analytics_assets.automation.clock import frozen_at
from analytics_assets.settings import load_settings
from benchmarks.catch_up_report import PipelineRun, report_catch_up, report_stock
from benchmarks.config import BenchmarkConfig
from benchmarks.embedded_instance import embedded_instance
from benchmarks.event_clock import clocked_event_storage
from benchmarks.location import Location, spread_days, table_rows
from benchmarks.production_instance import (
    postgres_unreachable_reason,
    production_instance,
)
from benchmarks.raw_load import raw_load
from benchmarks.report import Report, timed
from benchmarks.stock import stock_in_process, stock_launched

RAW_DATASET_SUFFIX = "_raw_floor"


def catch_up_tick(
    location: Location,
    config: BenchmarkConfig,
    instance: dg.DagsterInstance,
    cursor: str | None = None,
) -> tuple[list[dg.RunRequest], str | None]:
    """What the real catch-up sensor requests on ``instance`` just after the last day."""
    settings = load_settings()
    after_last_day = dt.datetime.combine(
        config.last_date + dt.timedelta(days=1), dt.time(12), tzinfo=settings.tz
    )
    sensor = build_catch_up_sensor(
        list(location.asset_keys),
        chunk_days=settings.catch_up_chunk_days,
        retry_failed_after=dt.timedelta(minutes=settings.retry_failed_after_minutes),
        daily_hour=settings.daily_hour,
        daily_minute=settings.daily_minute,
    )
    with frozen_at(after_last_day.astimezone(dt.UTC)):
        context = dg.build_sensor_context(
            instance=instance, definitions=location.defs, cursor=cursor
        )
        result = sensor.evaluate_tick(context)
    return list(result.run_requests or []), result.cursor


def planned_chunks(location: Location, config: BenchmarkConfig) -> list[CatchUpChunk]:
    """The runs the real catch-up sensor requests on an empty instance after the last day."""
    with dg.instance_for_test() as instance:
        requests, _ = catch_up_tick(location, config, instance)
    return sorted((requested_chunk(r) for r in requests), key=lambda chunk: chunk.first)


def run_pipeline(
    location: Location, config: BenchmarkConfig, instance: dg.DagsterInstance
) -> list[str]:
    """The catch-up as its sensor drives it: the runs of its first tick (each with the
    checks it asks for), then those of the next tick (the history's checks, run alone once
    the long runs' days are all materialized); the ids of the runs."""
    requests, cursor = catch_up_tick(location, config, instance)
    run_ids = [location.run_request(instance, request).run_id for request in requests]
    follow_up, _ = catch_up_tick(location, config, instance, cursor)
    return run_ids + [location.run_request(instance, request).run_id for request in follow_up]


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


def measure_pipeline(
    location: Location, config: BenchmarkConfig, instance: dg.DagsterInstance
) -> PipelineRun:
    """Run the chunks from an empty warehouse dataset on ``instance``."""
    warehouse = location.warehouse
    warehouse.get_client().delete_dataset(
        warehouse.tables().dataset_id, delete_contents=True, not_found_ok=True
    )
    with clocked_event_storage(instance) as clock:
        run_ids, pipeline = timed(lambda: run_pipeline(location, config, instance))
    kinds: Counter[str] = Counter()
    for run_id in run_ids:
        kinds.update(
            entry.dagster_event_type.value if entry.dagster_event_type else "log"
            for entry in instance.all_logs(run_id)
        )
    written = {cls.table.name: table_rows(warehouse, cls.table.name) for cls in location.extractors}
    return PipelineRun(pipeline, kinds, clock.seconds, clock.events, clock.calls, written)


@dataclass(frozen=True)
class Variant:
    """An instance the catch-up runs on: the configured ones, or one without a lever."""

    label: str
    open: Callable[[str], AbstractContextManager[dg.DagsterInstance]]
    #: The instance as configured (its ratio has the target), or a lever's reference.
    configured: bool = True


def variants(levers: bool) -> tuple[list[Variant], list[Variant]]:
    """The embedded (SQLite) and production (PostgreSQL, if it answers) instances to run."""
    embedded = [Variant("SQLite", embedded_instance)]
    if levers:
        stock = Variant(
            "SQLite, Dagster's event storage",
            lambda home: embedded_instance(home, dagster_storage=True),
            configured=False,
        )
        embedded.append(stock)
    if postgres_unreachable_reason() is not None:
        return embedded, []
    production = [
        Variant("PostgreSQL (stock storages, PgBouncer)", lambda _h: production_instance())
    ]
    if levers:
        unbatched = {"DAGSTER_EVENT_BATCH_SIZE": "0"}
        production += [
            Variant(
                "PostgreSQL, stock storages, no PgBouncer",
                lambda _home: production_instance(through_pgbouncer=False),
                configured=False,
            ),
            Variant(
                "PostgreSQL, stock storages, PgBouncer, DAGSTER_EVENT_BATCH_SIZE=0",
                lambda _home: production_instance(unbatched),
                configured=False,
            ),
            Variant(
                "PostgreSQL, this package's pooled event storage (optional lever)",
                lambda _home: production_instance(through_pgbouncer=False, pooled_events=True),
                configured=False,
            ),
        ]
    return embedded, production


def _run_on(
    variant: Variant,
    location: Location,
    config: BenchmarkConfig,
    stock: Callable[[dg.DagsterInstance, str], None] | None = None,
) -> PipelineRun:
    with (
        tempfile.TemporaryDirectory(prefix="benchmark-instance-") as home,
        variant.open(home) as instance,
    ):
        run = measure_pipeline(location, config, instance)
        if stock is not None:
            stock(instance, home)
    return run


def measure_catch_up(
    location: Location, config: BenchmarkConfig, report: Report, levers: bool = False
) -> dict[str, Any]:
    """Catch-ups on each instance interleaved with the raw floor, then the stock baseline."""
    chunks = planned_chunks(location, config)
    unreachable = postgres_unreachable_reason()
    if unreachable is not None:
        report.note(f"catch-up on the production instance not measured: {unreachable}")
    embedded, production = variants(levers)
    runs: dict[str, list[PipelineRun]] = {v.label: [] for v in embedded + production}
    raws: list[float] = []
    stock: dict[str, list[float]] = {}

    def measure_stock(instance: dg.DagsterInstance, home: str) -> None:
        sample = spread_days(config.first_date, config.last_date, config.stock_sample_days)
        stock["in process"] = stock_in_process(location, sample, instance)
        stock["launched"] = stock_launched(location, sample[: config.stock_launched_days], home)

    rounds = max(1, config.catch_up_repetitions)
    for repetition in range(rounds):
        order = -1 if repetition % 2 else 1  # alternate which variant goes first
        for variant in embedded[::order]:
            last = repetition == rounds - 1 and variant is embedded[0]
            runs[variant.label].append(
                _run_on(variant, location, config, measure_stock if last else None)
            )
        raw_rows, raw = timed(lambda: run_raw_floor(location, config))
        raws.append(raw)
        for variant in production[::order]:
            runs[variant.label].append(_run_on(variant, location, config))
        for label, done in runs.items():
            if done[-1].written != raw_rows:
                raise AssertionError(f"{label} rows {done[-1].written} != raw floor {raw_rows}")
    configured = {v.label: v.configured for v in embedded + production}
    report_catch_up(report, config, len(chunks), len(location.asset_keys), runs, configured, raws)
    return report_stock(report, config, runs["SQLite"], stock, raws)
