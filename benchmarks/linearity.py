"""Section 5, linearity: catch-up cost per day over 1, 3, 10 years, per extractor-day for 10 vs 50.

Each measurement is a fresh process (``python -m benchmarks.linearity``) building the code
location from generated extractors only (those of the load section,
:mod:`benchmarks.generated_sources`: constant rows per day, so any growth is the pipeline's
and Dagster's, not the data's), planning the catch-up with the real sensor over the window
(runs of the product's chunk; ``--chunk-days`` to try another) and running its chunks on an
embedded instance from the repository's ``dagster.yaml``. Before the timed catch-up the
process catches up the last day into a scratch dataset of its own: the process's one-time
costs (run-time imports, the instance's storage, Dagster's first run in a process) are paid
by each run's own process when a daemon launches it, and here once for all of a size's
runs, so they are measured apart (reported in a note), not spread over a size's days. It
prints the runs' seconds, the warm-up's and its peak RSS (``VmHWM``); the section
interleaves the sizes and reports medians, the spread, and the ratio of each size's cost
per day (or per extractor-day) to the smallest size's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from benchmarks.config import BenchmarkConfig
from benchmarks.generated_sources import GENERATED_PACKAGE, write_extractors
from benchmarks.report import Report, Row

YEAR_DAYS = 365


def _measure(folder: Path, days: int, last: dt.date, chunk_days: int) -> dict[str, float]:
    first = last - dt.timedelta(days=days - 1)
    environment = {
        **os.environ,
        "ANALYTICS_FIRST_DATE": first.isoformat(),
        "ANALYTICS_CATCH_UP_CHUNK_DAYS": str(chunk_days),
        "BIGQUERY_DATASET": f"linearity_{uuid.uuid4().hex[:8]}",
    }
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.linearity", str(folder), first.isoformat(), str(last)],
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"linearity: {days} days, {folder.name} extractors: {result}", file=sys.stderr)
    return result


def _rows(
    report: Report, what: str, unit: str, sizes: list[float], samples: dict[float, list[float]]
) -> None:
    """One row per size: median cost per unit, spread, ratio to the smallest size's median."""
    base = statistics.median(samples[sizes[0]])
    for size in sizes:
        values = samples[size]
        middle = statistics.median(values)
        report.add(
            Row(
                "linearity",
                f"catch-up, {what} {size} (median of {len(values)})",
                f"{middle * 1000:.1f} ms/{unit}",
                f"{what} {sizes[0]}",
                f"{base * 1000:.1f} ms/{unit}",
                f"{middle / base:.2f}x ({min(values) * 1000:.1f}-{max(values) * 1000:.1f} ms)",
                "0.8-1.2x" if size != sizes[0] else "",
                0.8 <= middle / base <= 1.2 if size != sizes[0] else None,
            )
        )


def measure_linearity(config: BenchmarkConfig, report: Report) -> None:
    last, chunk = config.last_date, config.chunk_days
    years = list(config.linearity_years)
    warm_ups: list[float] = []
    counts: list[float] = list(config.linearity_extractors)
    per_day: dict[float, list[float]] = {y: [] for y in years}
    rss: dict[float, list[float]] = {y: [] for y in years}
    per_extractor_day: dict[float, list[float]] = {c: [] for c in counts}
    with tempfile.TemporaryDirectory(prefix="benchmark-linearity-") as root:
        folders: dict[float, Path] = {}
        for count in {config.linearity_year_extractors, *config.linearity_extractors}:
            folders[count] = Path(root) / str(count)
            folders[count].mkdir()
            write_extractors(folders[count], count)
        for repetition in range(config.linearity_repetitions):
            order = -1 if repetition % 2 else 1
            for year in years[::order]:
                days = round(year * YEAR_DAYS)
                run = _measure(folders[config.linearity_year_extractors], days, last, chunk)
                per_day[year].append(run["seconds"] / days)
                warm_ups.append(run["warm_up_seconds"])
                rss[year].append(run["peak_rss_mb"])
            for count in counts[::order]:
                days = config.linearity_extractor_days
                run = _measure(folders[count], days, last, chunk)
                per_extractor_day[count].append(run["seconds"] / (days * count))
    _rows(report, "years", "day", years, per_day)
    _rows(report, "extractors", "extractor-day", counts, per_extractor_day)
    base = statistics.median(rss[years[0]])
    for year in years:
        peak = statistics.median(rss[year])
        report.add(
            Row(
                "linearity",
                f"run peak RSS, years {year}",
                f"{peak:.0f} MB",
                f"years {years[0]}",
                f"{base:.0f} MB",
                f"{peak / base:.2f}x",
                "flat (<= 1.2x)" if year != years[0] else "",
                peak <= 1.2 * base if year != years[0] else None,
            )
        )
    report.note(
        "linearity: generated extractors (rows constant per day; "
        f"{config.linearity_year_extractors} for the years, "
        f"{config.linearity_extractor_days} days for the extractor counts), "
        f"catch-up runs planned by the real sensor, {chunk} days each, on the repository's "
        "SQLite instance, each size in a fresh process, sizes interleaved, after a one-day "
        "warm-up into a scratch dataset (the process's one-time costs: "
        f"{statistics.median(warm_ups):.1f} s, median); peak RSS is the process's VmHWM "
        "(imports included)."
    )


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _worker() -> None:
    """Catch up ``argv[2]..argv[3]`` with the extractors generated in ``argv[1]``."""
    folder, first, last = sys.argv[1], dt.date.fromisoformat(sys.argv[2]), sys.argv[3]
    sys.path.insert(0, folder)
    from analytics_assets.assembly.discovery import find_extractors
    from analytics_assets.environments import load_world
    from analytics_assets.location import build_location
    from analytics_assets.settings import load_settings
    from benchmarks.catch_up import planned_chunks, run_pipeline
    from benchmarks.config import FULL
    from benchmarks.embedded_instance import embedded_instance
    from benchmarks.location import Location
    from benchmarks.report import timed

    settings = load_settings()
    world = load_world(settings)
    extractors = tuple(find_extractors([GENERATED_PACKAGE]))
    defs = build_location(settings, extractors, world.warehouse, world.sources)
    names = {cls.table.name for cls in extractors}
    names |= {cls.table.delta_view_name for cls in extractors if cls.table.differentiated}
    import dagster as dg

    keys = tuple(dg.AssetKey(name) for name in sorted(names))
    location = Location(defs=defs, extractors=extractors, asset_keys=keys, excluded=())
    config = dataclasses.replace(FULL, first_date=first, last_date=dt.date.fromisoformat(last))
    chunks = planned_chunks(location, config)
    scratch = world.warehouse.model_copy(update={"dataset": f"{world.warehouse.dataset}_warm_up"})
    warm_up = dataclasses.replace(
        location, defs=build_location(settings, extractors, scratch, world.sources)
    )
    with (
        tempfile.TemporaryDirectory(prefix="benchmark-linearity-home-") as home,
        embedded_instance(home) as instance,
    ):
        _, warm_up_seconds = timed(lambda: warm_up.run(instance, first=last))
        _, seconds = timed(lambda: run_pipeline(location, config, instance))
    result = {"seconds": seconds, "runs": len(chunks), "warm_up_seconds": warm_up_seconds}
    print(json.dumps(result | {"peak_rss_mb": _peak_rss_mb()}))


if __name__ == "__main__":
    _worker()
