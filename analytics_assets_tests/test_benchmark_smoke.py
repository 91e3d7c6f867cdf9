"""The benchmark's quick mode runs end to end and prints its table (no timing is asserted)."""

from __future__ import annotations

import os
import subprocess
import sys

from analytics_assets_tests.paths import REPO_ROOT


def test_quick_benchmark_prints_the_table() -> None:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ANALYTICS_", "BIGQUERY_", "DJANGO_", "DAGSTER_"))
    }
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick"],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    table = done.stdout
    assert "analytics_assets benchmark (quick)" in table
    for section in ("catch-up", "daily run", "big day", "code location load"):
        assert section in table, table
    assert "raw floor" in table and "bare dg.materialize()" in table, table
    assert "plain Dagster, same definitions and team modules" in table, table
