"""Section 3, big day: one individual-rows day of a million rows, memory and throughput.

Each measurement runs in a fresh subprocess (``python -m benchmarks.big_day``)
so its peak RSS (``getrusage``) is its own: the pipeline materializes the day of a
plain-Python extractor through Dagster into the emulator; the raw reference builds the same
rows into one pyarrow table, writes it to parquet and loads it with ``load_table_from_file``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analytics_assets.extract import IndividualRowsExtractor
from benchmarks.report import Report, Row, ratio

KINDS = ("welcome", "newsletter", "invoice", "reminder")
BIG_DAY = dt.date(2025, 6, 30)
TIMEZONE = "Europe/Paris"


@dataclass
class BigDayEvent:
    timestamp: dt.datetime
    kind: str
    customer_id: int
    opened: bool
    amount: float | None


class BigDayExtractor(IndividualRowsExtractor[BigDayEvent]):
    """A generated day of events, as many as the class attribute ``rows`` says."""

    source = "python"
    rows = 1_000_000

    def extract(self, start: dt.datetime, end: dt.datetime) -> Iterator[BigDayEvent]:
        step = (end - start) / self.rows
        for n in range(self.rows):
            yield BigDayEvent(
                timestamp=start + step * n,
                kind=KINDS[n % 4],
                customer_id=n * 7919 % 1_000_003,
                opened=n % 3 == 0,
                amount=None if n % 5 else n / 100,
            )


def _peak_rss_mb() -> float:
    """This process's peak resident memory (MB) since it started its program.

    Linux's ``VmHWM``, not ``getrusage``: ``ru_maxrss`` survives ``exec``, so a worker forked
    from the (large) benchmark process would report the benchmark's memory as its own.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _warehouse(emulator_url: str, dataset: str) -> Any:
    from analytics_assets.local.config import EMULATOR_PROJECT
    from analytics_assets.warehouse.resource import BigQueryWarehouse

    return BigQueryWarehouse(project=EMULATOR_PROJECT, dataset=dataset, emulator_url=emulator_url)


def run_pipeline(emulator_url: str, dataset: str) -> None:
    import dagster as dg

    from analytics_assets.assembly.assets import build_extractor_assets
    from analytics_assets.warehouse.io_manager import BigQueryRowsIOManager

    warehouse = _warehouse(emulator_url, dataset)
    partitions = dg.DailyPartitionsDefinition(start_date=BIG_DAY.isoformat(), timezone=TIMEZONE)
    assets = build_extractor_assets([BigDayExtractor], partitions, f"{warehouse.project}.{dataset}")
    dg.materialize(
        assets,
        partition_key=BIG_DAY.isoformat(),
        resources={
            "warehouse": warehouse,
            "bigquery_io_manager": BigQueryRowsIOManager(warehouse=warehouse),
        },
    )


def run_raw(emulator_url: str, dataset: str) -> None:
    from zoneinfo import ZoneInfo

    import pyarrow as pa
    import pyarrow.parquet as pq

    from analytics_assets.extract import day_window
    from analytics_assets.rows.arrow import arrow_schema
    from benchmarks.raw_load import load_parquet, row_values

    warehouse = _warehouse(emulator_url, dataset)
    warehouse.tables().ensure_dataset()
    spec = BigDayExtractor.table
    window = day_window(BIG_DAY, ZoneInfo(TIMEZONE))
    columns = list(zip(*row_values(spec, BIG_DAY, BigDayExtractor().extract(*window)), strict=True))
    schema = arrow_schema(spec)
    table = pa.table(
        [pa.array(c, type=f.type) for c, f in zip(columns, schema, strict=True)], schema=schema
    )
    with tempfile.TemporaryDirectory(prefix="big-day-raw-") as folder:
        path = Path(folder) / "day.parquet"
        pq.write_table(table, path)
        load_parquet(warehouse.get_client(), spec, path, warehouse.table_id(f"{spec.name}_raw"))


def _worker() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["pipeline", "raw"])
    parser.add_argument("rows", type=int)
    parser.add_argument("emulator_url")
    parser.add_argument("dataset")
    args = parser.parse_args()
    BigDayExtractor.rows = args.rows
    import dagster  # noqa: F401  (both sides pay the same imports before the clock starts)

    before = _peak_rss_mb()
    started = time.perf_counter()
    (run_pipeline if args.mode == "pipeline" else run_raw)(args.emulator_url, args.dataset)
    elapsed = time.perf_counter() - started
    print(json.dumps({"seconds": elapsed, "peak_rss_mb": _peak_rss_mb(), "rss_before_mb": before}))


def _measure(mode: str, rows: int, emulator_url: str, dataset: str) -> dict[str, float]:
    command = [
        sys.executable,
        "-m",
        "benchmarks.big_day",
        mode,
        str(rows),
        emulator_url,
        dataset,
    ]
    done = subprocess.run(command, env=dict(os.environ), check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_big_day(rows: int, repetitions: int, emulator_url: str, report: Report) -> None:
    pipeline, raw = [], []
    for n in range(max(1, repetitions)):
        pipeline.append(_measure("pipeline", rows, emulator_url, f"big_day_{n}"))
        raw.append(_measure("raw", rows, emulator_url, f"big_day_{n}"))
    seconds = statistics.median(m["seconds"] for m in pipeline)
    raw_seconds = statistics.median(m["seconds"] for m in raw)
    peak = max(m["peak_rss_mb"] for m in pipeline)
    raw_peak = max(m["peak_rss_mb"] for m in raw)
    before = statistics.median(m["rss_before_mb"] for m in pipeline)
    section = f"big day {rows:,} rows"
    report.add(
        Row(
            section,
            "pipeline peak RSS (process)",
            f"{peak:.0f} MB",
            "raw load peak RSS",
            f"{raw_peak:.0f} MB",
            ratio(peak, raw_peak),
            "<= 400 MB",
            peak <= 400,
        )
    )
    report.add(
        Row(
            section,
            f"pipeline rows/s (median of {len(pipeline)})",
            f"{rows / seconds:,.0f}",
            "raw parquet load rows/s",
            f"{rows / raw_seconds:,.0f}",
            ratio(raw_seconds, seconds),
            ">= 0.5x",
            seconds <= 2 * raw_seconds,
        )
    )
    report.note(
        f"big day: peak RSS includes the interpreter and imports ({before:.0f} MB after importing "
        "dagster); each side in its own fresh process; both generate the same rows."
    )


if __name__ == "__main__":
    _worker()
