"""The catch-up section's rows: repeated runs per instance, paired with the raw floor of each round.

Each round runs the catch-up on the embedded instance, then the raw floor, then the catch-up
on the production instance; a ratio is the median of the rounds' ratios, with their spread.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.config import BenchmarkConfig
from benchmarks.report import Report, Row, seconds

PLANNED = "ASSET_MATERIALIZATION_PLANNED"
MATERIALIZATION = "ASSET_MATERIALIZATION"
CHECK = "ASSET_CHECK_EVALUATION"


@dataclass(frozen=True)
class PipelineRun:
    """The chunks executed on one instance: seconds, events by type, storage time, rows."""

    seconds: float
    #: Events in the runs' logs by Dagster event type.
    kinds: Counter[str]
    #: The time the instance's storage took to store the runs' events, and in how many calls.
    event_storage_seconds: float
    events_stored: int
    storage_calls: int
    written: dict[str, int]

    @property
    def events(self) -> int:
        return sum(self.kinds.values())

    @property
    def work_seconds(self) -> float:
        return self.seconds - self.event_storage_seconds


def spread(values: Sequence[float], unit: str = "x", digits: int = 2) -> str:
    """``median unit (min-max, n=N)`` of ``values``."""
    middle = statistics.median(values)
    if len(values) < 2:
        return f"{middle:.{digits}f}{unit} (n=1)"
    low, high = min(values), max(values)
    return f"{middle:.{digits}f}{unit} ({low:.{digits}f}-{high:.{digits}f}, n={len(values)})"


def _ratios(runs: Sequence[PipelineRun], raws: Sequence[float]) -> list[float]:
    return [run.seconds / raw for run, raw in zip(runs, raws, strict=False)]


def _instance_rows(
    report: Report,
    section: str,
    label: str,
    runs: Sequence[PipelineRun],
    raws: Sequence[float],
    target: bool,
) -> None:
    pipeline = statistics.median(run.seconds for run in runs)
    ratios = _ratios(runs, raws)
    report.add(
        Row(
            section,
            f"pipeline, {label} (median of {len(runs)})",
            seconds(pipeline),
            "raw floor (interleaved)",
            seconds(statistics.median(raws)),
            spread(ratios),
            "<= 2x" if target else "",
            statistics.median(ratios) <= 2 if target else None,
        )
    )
    storing = statistics.median(run.event_storage_seconds for run in runs)
    report.add(
        Row(
            section,
            "  of which storing Dagster events",
            seconds(storing),
            "pipeline without it",
            seconds(statistics.median(run.work_seconds for run in runs)),
            spread([run.work_seconds / raw for run, raw in zip(runs, raws, strict=False)])
            + " floor",
            "",
            None,
        )
    )


def _events_note(name: str, runs: Sequence[PipelineRun], days: int, assets: int) -> str:
    run = runs[-1]
    per_event = [r.event_storage_seconds / max(r.events_stored, 1) * 1000 for r in runs]
    per_day = ", ".join(
        f"{kind.lower()} {run.kinds[kind] / days:.1f}" for kind in (PLANNED, MATERIALIZATION, CHECK)
    )
    return (
        f"catch-up on {name}: {run.events:,} events logged, per day ({assets} "
        f"assets): {per_day}, all kinds {run.events / days:.1f}; storing them took "
        f"{spread([r.event_storage_seconds for r in runs], ' s', 1)} in {run.storage_calls:,} "
        f"storage calls, {spread(per_event, ' ms', 2)} per event stored."
    )


def report_catch_up(
    report: Report,
    config: BenchmarkConfig,
    chunks: int,
    assets: int,
    runs: Mapping[str, Sequence[PipelineRun]],
    configured: Mapping[str, bool],
    raws: Sequence[float],
) -> None:
    """The pipeline rows of each instance, against the raw floor of the same rounds."""
    section = f"catch-up {config.days} days"
    for label, done in runs.items():
        _instance_rows(report, section, f"{label}, {chunks} runs", done, raws, configured[label])
        report.note(_events_note(label, done, config.days, assets))
    written = runs["SQLite"][-1].written
    report.note(
        f"catch-up: {sum(written.values()):,} rows "
        f"({', '.join(f'{t} {n:,}' for t, n in written.items())}) from {config.first_date} to "
        f"{config.last_date}; {chunks} runs of {config.chunk_days} days planned "
        "by the catch-up sensor, executed in process (no daemon); each round: the SQLite "
        "instance(s), raw floor, the PostgreSQL instance(s); raw floor rows equal the pipeline's. "
        "The stock baseline is the launched run: a default backfill starts one process per "
        "partition that loads the code location; the in-process stock run is its lower bound."
    )


def report_stock(
    report: Report,
    config: BenchmarkConfig,
    embedded: Sequence[PipelineRun],
    stock: Mapping[str, Sequence[float]],
    raws: Sequence[float],
) -> dict[str, Any]:
    """Per partition against stock Dagster (one run per partition), and rows per second."""
    section = f"catch-up {config.days} days"
    pipeline = statistics.median(run.seconds for run in embedded)
    per_partition = pipeline / config.days
    for label, target in (
        ("in process", ""),  # informative: a default backfill launches each run
        ("launched", ">= 50x"),
    ):
        samples = stock.get(label, ())
        if not samples:
            continue
        median = statistics.median(samples)
        report.add(
            Row(
                section,
                "per partition (SQLite)",
                f"{per_partition * 1000:.0f} ms",
                f"stock run per partition, {label} (median of {len(samples)})",
                seconds(median),
                f"{median / per_partition:.0f}x faster "
                f"({min(samples) / per_partition:.0f}-{max(samples) / per_partition:.0f})",
                target,
                median >= 50 * per_partition if target else None,
            )
        )
    rows = sum(embedded[-1].written.values())
    raw = statistics.median(raws)
    report.add(
        Row(
            section,
            "rows per second (SQLite)",
            f"{rows / pipeline:,.0f}",
            "raw floor",
            f"{rows / raw:,.0f}",
            f"{raw / pipeline:.2f}x",
            "",
            None,
        )
    )
    return {"pipeline": pipeline, "raw": raw, "rows": rows}
