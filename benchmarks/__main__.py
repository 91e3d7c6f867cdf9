"""The benchmark's command: ``python -m benchmarks [--quick]`` prints the table.

It seeds (or reuses) the demo history, starts a fresh embedded BigQuery emulator, and runs
the four sections of issue #6, each measured next to its reference in this same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import time

from benchmarks.config import FULL, QUICK
from benchmarks.environment import (
    apply_environment,
    demo_local_dir,
    ensure_seeded,
    fresh_emulator,
    location_environment,
)
from benchmarks.report import Report

DATASET = "benchmark"
SECTIONS = ("catch-up", "daily", "big-day", "load", "linearity")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="small scale, for a smoke test")
    parser.add_argument(
        "--only",
        choices=SECTIONS,
        action="append",
        help="run only this section (repeatable); default: all",
    )
    parser.add_argument(
        "--days", type=int, help="catch-up/daily: only the last DAYS of the history (to iterate)"
    )
    parser.add_argument("--scale", type=float, help="ANALYTICS_DEMO_SCALE of the seeded history")
    parser.add_argument(
        "--repeat", type=int, help="catch-ups per instance, interleaved with the raw floor"
    )
    parser.add_argument(
        "--chunk-days", type=int, help="catch-up: days per run (default: the product's)"
    )
    parser.add_argument(
        "--levers",
        action="store_true",
        help="catch-up: also on the instances without this project's event storage levers",
    )
    args = parser.parse_args()
    sections = args.only or SECTIONS
    config = (QUICK if args.quick else FULL).resized(
        args.days, args.scale, args.repeat, args.chunk_days
    )
    started = time.perf_counter()
    report = Report(
        f"analytics_assets benchmark ({config.name}), {dt.date.today()}, "
        f"{platform.python_implementation()} {platform.python_version()}"
    )
    with fresh_emulator() as emulator_url:
        apply_environment(location_environment(config, emulator_url, DATASET))
        if {"catch-up", "daily"} & set(sections):  # the only sections reading the history
            stats, seeded_in = ensure_seeded(config)
            report.note(
                f"demo history {config.first_date}..{config.last_date} ({config.days} days, "
                f"scale {config.scale:g}): {stats['customers']:,} customers, "
                f"{stats['contracts']:,} contracts, {stats['emails']:,} emails in "
                f"{demo_local_dir(config)} "
                + (f"(seeded now in {seeded_in:.0f} s)" if seeded_in is not None else "(cached)")
            )
        from benchmarks.big_day import measure_big_day
        from benchmarks.catch_up import measure_catch_up
        from benchmarks.code_location import measure_code_location
        from benchmarks.daily_run import measure_daily_run
        from benchmarks.location import load_location

        location = load_location()
        if location.excluded:
            report.note(
                f"not benchmarked (not a Django source): {', '.join(location.excluded)}; "
                f"benchmarked assets: {', '.join(k.to_user_string() for k in location.asset_keys)}"
            )
        if "catch-up" in sections:
            measure_catch_up(location, config, report, args.levers)
        if "daily" in sections:
            measure_daily_run(location, config, report)
        if "big-day" in sections:
            measure_big_day(config.big_day_rows, config.big_day_repetitions, emulator_url, report)
        if "linearity" in sections and config.linearity_years:
            from benchmarks.linearity import measure_linearity

            measure_linearity(config, report)
        if "load" in sections:
            measure_code_location(
                config.generated_extractors,
                config.load_repetitions,
                config.warm_load,
                config.count_load_instructions,
                report,
            )
    report.note(f"benchmark wall time {time.perf_counter() - started:.0f} s")
    print(report.render(), flush=True)


if __name__ == "__main__":
    main()
