"""The demo's first start: ``uv run analytics-assets dev`` in a fresh folder until all is green.

``python -m benchmarks.first_start [--repeat N] [--set VAR=VALUE]`` runs, N times and
interleaved (A, B, A, B, ...):

* **first start** (A): ``uv run analytics-assets dev`` in a fresh folder holding only the
  repository's ``dagster.yaml`` and ``workspace.yaml`` (DAGSTER_HOME and
  ANALYTICS_LOCAL_DIR there, free ports): the embedded emulator, the demo seed, the UI and
  the whole catch-up launched by the real sensor, daemons and run queue, timed from the
  command until every partition of every asset is materialized (read from the dev
  server's GraphQL, as the UI shows it), then broken down (UI ready, first sensor tick,
  first run created and started, runs, gaps);
* **raw floor** (B): the same work without Dagster, in a fresh process: a fresh emulator,
  the same seed, and every extractor's days straight to one parquet load per table
  (:mod:`benchmarks.raw_load`), timed from the process start.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from analytics_assets.assembly.run_tags import run_partition_label
from benchmarks.dev_server import DevServer, RunTimes
from benchmarks.report import Report, Row, ratio, seconds

ROOT = Path(__file__).resolve().parent.parent
INSTANCE_FILES = ("dagster.yaml", "workspace.yaml")
#: Variables of the caller that would make the fresh start not fresh.
CLEARED_PREFIXES = ("ANALYTICS_", "BIGQUERY_", "DAGSTER_", "DJANGO_")
#: A first start not green by then is reported as such (inf), with its breakdown.
TIMEOUT_SECONDS = 900
TARGET_SECONDS = 90
#: How often the partition statistics are read while runs are pending.
STATS_INTERVAL_SECONDS = 15
#: Lines of the quiet terminal that mark a step of the start, and the step's name.
TERMINAL_MILESTONES = (("Seeded the demo", "seeded"), ("Starting dagster dev", "dagster dev"))


@dataclass
class FirstStart:
    """Seconds from the command, of each milestone of one first start."""

    green: float
    milestones: dict[str, float] = field(default_factory=dict)
    runs: list[RunTimes] = field(default_factory=list)
    failed: int = 0
    #: Share of every asset's partitions materialized when the watch ended (1.0 when green).
    done: float = 1.0


def _fresh_environment(home: Path, overrides: dict[str, str]) -> dict[str, str]:
    from analytics_assets.local.network import free_port

    environ = {k: v for k, v in os.environ.items() if not k.startswith(CLEARED_PREFIXES)}
    environ.update(
        DAGSTER_HOME=str(home),
        ANALYTICS_LOCAL_DIR=str(home / ".local"),
        ANALYTICS_EMULATOR_PORT=str(free_port()),
        **overrides,
    )
    return environ


def _read_terminal(output, started: float, lines: list[tuple[float, str]]) -> None:
    for raw in output:
        lines.append((time.monotonic() - started, raw.decode(errors="replace").rstrip()))


def _progress(server: DevServer, expected_missing: int) -> tuple[bool, int, float]:
    """Every partition green?, failed partitions, share of partitions materialized."""
    statuses = server.partitions()
    failed = sum(s.failed for s in statuses)
    green = bool(statuses) and all(
        s.materialized >= s.partitions - expected_missing for s in statuses
    )
    total = sum(s.partitions - expected_missing for s in statuses)
    return green, failed, sum(s.materialized for s in statuses) / max(total, 1)


def _days_left_to_schedule() -> int:
    """The lookback window's days while the daily schedule owns them (the catch-up leaves them
    alone), else 0."""
    from analytics_assets.automation.catch_up import schedule_owns_newest_day
    from analytics_assets.settings import load_settings

    settings = load_settings({})
    owns = schedule_owns_newest_day(
        dt.datetime.now(dt.UTC),
        settings.zone,
        settings.daily_hour,
        settings.daily_minute,
        dt.timedelta(hours=2),
    )
    return settings.lookback_days if owns else 0


def run_first_start(
    overrides: dict[str, str], log: Path | None = None, checkout: Path = ROOT
) -> FirstStart:
    """One first start of ``checkout`` in a fresh folder; stopped once every partition is
    green (or after TIMEOUT_SECONDS)."""
    from analytics_assets.local.network import free_port

    with tempfile.TemporaryDirectory(prefix="first-start-") as folder:
        home = Path(folder)
        for name in INSTANCE_FILES:
            shutil.copy(checkout / name, home / name)
        port = free_port()
        command = [
            "uv",
            "run",
            "--project",
            str(checkout),
            "analytics-assets",
            "dev",
            "--port",
            str(port),
        ]
        lines: list[tuple[float, str]] = []
        expected_missing = _days_left_to_schedule()
        started = time.monotonic()
        wall_started = time.time()
        process = subprocess.Popen(
            command,
            cwd=home,
            env=_fresh_environment(home, overrides),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        threading.Thread(
            target=_read_terminal, args=(process.stdout, started, lines), daemon=True
        ).start()
        server = DevServer(f"http://127.0.0.1:{port}")
        try:
            result = _watch(server, process, started, expected_missing)
            result.runs = server.runs()
            result.milestones.update(server.milestones(wall_started, result.runs))
        finally:
            server.close()
            _stop(process)
            if log is not None:
                log.write_text("\n".join(f"{t:7.1f} {line}" for t, line in lines))
        for at, line in lines:
            for marker, name in (
                ("Seeded the demo", "seeded"),
                ("Starting dagster dev", "dagster dev"),
            ):
                if marker in line:
                    result.milestones.setdefault(name, at)
        return result


def _watch(
    server: DevServer, process: subprocess.Popen[bytes], started: float, expected_missing: int
) -> FirstStart:
    """Polls until every partition is green. The runs are read each second (a cheap query);
    the partition statistics, which the webserver computes over every asset's history, only
    once no run is queued or in progress, or every STATS_INTERVAL_SECONDS: read each second,
    they cost the webserver about 12 more CPU-seconds per first start (~20 s instead of 7-9)."""
    milestones: dict[str, float] = {}
    last_stats = -math.inf
    while time.monotonic() - started < TIMEOUT_SECONDS:
        if process.poll() is not None:
            raise RuntimeError(f"analytics-assets dev exited with {process.returncode}")
        if "UI ready" not in milestones:
            if server.answers():
                milestones["UI ready"] = time.monotonic() - started
        else:
            runs = server.runs()
            idle = bool(runs) and all(run.ended is not None for run in runs)
            if idle or time.monotonic() - last_stats >= STATS_INTERVAL_SECONDS:
                last_stats = time.monotonic()
                green, failed, _ = _progress(server, expected_missing)
                if green:
                    return FirstStart(time.monotonic() - started, milestones, failed=failed)
        time.sleep(1)
    _, failed, done = _progress(server, expected_missing)
    return FirstStart(math.inf, milestones, failed=failed, done=done)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C as a user would, then whatever is left of its process group."""
    try:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=60)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    for signum in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            return
        time.sleep(2)


def run_raw_floor(overrides: dict[str, str]) -> float:
    """The raw floor in a fresh process and folder, timed from its start."""
    with tempfile.TemporaryDirectory(prefix="first-start-floor-") as folder:
        home = Path(folder)
        environ = _fresh_environment(home, overrides)
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "benchmarks.first_start_floor"],
            cwd=ROOT,
            env=environ,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return time.monotonic() - started


def describe(result: FirstStart) -> str:
    """The breakdown of one first start, in seconds from the command."""
    parts = [
        f"{name} {at:.0f}" for name, at in sorted(result.milestones.items(), key=lambda i: i[1])
    ]
    durations = [
        f"{(r.ended - r.started):.0f}" for r in result.runs if r.started is not None and r.ended
    ]
    queued = [f"{(r.started - r.created):.0f}" for r in result.runs if r.started is not None]
    ranges = [run_partition_label(r.tags) or "-" for r in result.runs]
    return (
        f"green {result.green:.0f} s ({result.done:.0%} of the partitions); "
        + ", ".join(parts)
        + f"; {len(result.runs)} runs, durations {'/'.join(durations)} s, "
        f"created->started {'/'.join(queued)} s; failed partitions {result.failed}; "
        f"runs' days {', '.join(ranges)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.first_start")
    parser.add_argument("--repeat", type=int, default=3, help="first starts (and floors)")
    parser.add_argument(
        "--set", action="append", default=[], metavar="VAR=VALUE", help="environment override"
    )
    parser.add_argument("--logs", type=Path, help="keep each first start's terminal here")
    parser.add_argument(
        "--checkout",
        type=Path,
        default=ROOT,
        help="start this checkout of the project (e.g. an older commit, for before/after)",
    )
    args = parser.parse_args()
    overrides = dict(item.split("=", 1) for item in args.set)
    report = Report(f"first start of the demo, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    starts: list[FirstStart] = []
    floors: list[float] = []
    for index in range(args.repeat):
        log = args.logs / f"first-start-{index}.log" if args.logs else None
        starts.append(run_first_start(overrides, log, args.checkout))
        print(f"first start {index + 1}: {describe(starts[-1])}", flush=True)
        floors.append(run_raw_floor(overrides))
        print(f"raw floor {index + 1}: {floors[-1]:.1f} s", flush=True)
    greens = [s.green for s in starts]
    ratios = [s.green / f for s, f in zip(starts, floors, strict=True)]
    green, floor = statistics.median(greens), statistics.median(floors)
    report.add(
        Row(
            "first start",
            f"command -> every partition green (median of {len(greens)})",
            seconds(green),
            "raw floor (emulator, seed, raw load)",
            seconds(floor),
            f"{statistics.median(ratios):.2f}x",
            f"<= {TARGET_SECONDS} s",
            green <= TARGET_SECONDS,
        )
    )
    report.note(
        f"green {', '.join(f'{g:.0f}' for g in greens)} s; floors "
        f"{', '.join(f'{f:.1f}' for f in floors)} s; ratios "
        f"{', '.join(f'{r:.2f}' for r in ratios)} (spread {min(ratios):.2f}-{max(ratios):.2f}x, "
        f"median floor {ratio(green, floor)} of the pairs' medians)"
    )
    for index, start in enumerate(starts):
        report.note(f"first start {index + 1}: {describe(start)}")
    report.note(f"overrides: {json.dumps(overrides) if overrides else 'none'}")
    print(report.render(), flush=True)


if __name__ == "__main__":
    main()
