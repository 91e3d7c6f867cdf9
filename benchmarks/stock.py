"""Stock Dagster for reference: one run per partition, in process or as a launched process."""

from __future__ import annotations

import os
import subprocess
import sys

import dagster as dg

from benchmarks.location import Location
from benchmarks.report import timed


def stock_in_process(
    location: Location, days: list[str], instance: dg.DagsterInstance
) -> list[float]:
    return [timed(lambda day=day: location.run(instance, first=day))[1] for day in days]


def stock_launched(location: Location, days: list[str], home: str) -> list[float]:
    """One fresh ``dagster asset materialize`` process per partition, loading the location."""
    selection = ",".join(key.to_user_string() for key in location.asset_keys)
    environment = {**os.environ, "DAGSTER_HOME": home}
    samples = []
    for day in days:
        command = [
            sys.executable,
            "-m",
            "dagster",
            "asset",
            "materialize",
            "-m",
            "analytics_assets.definitions",
            "--select",
            selection,
            "--partition",
            day,
        ]
        _, elapsed = timed(
            lambda command=command: subprocess.run(
                command, env=environment, check=True, capture_output=True
            )
        )
        samples.append(elapsed)
    return samples
