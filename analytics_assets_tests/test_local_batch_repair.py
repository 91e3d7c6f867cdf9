"""A run killed between the two commits of a batch on the local instance loses no indexed day.

The local event storage writes a ranged step's materializations in the run's database, then
in the index. A run process killed between the two (here it exits hard at that point, as a
kill -9 would end it) left the days in the run's log and not in the index: shown failed
while BigQuery held them, missing from the asset's history for good. Once the run's end is
stored (as the daemon's run monitoring stores it for a dead run), the days are indexed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import dagster as dg
from dagster._core.storage.dagster_run import DagsterRunStatus

from analytics_assets.local.event_storage import PENDING_BATCHES
from analytics_assets_tests.paths import REPO_ROOT
from analytics_assets_tests.test_event_storages import DAYS, _statuses
from benchmarks.embedded_instance import embedded_instance

#: A run of the days DAYS of `visits`, whose process dies between its materializations'
#: two commits: after the run's database, before the index.
KILLED_BETWEEN_COMMITS = """
import json, os, sys
from analytics_assets.local.event_storage import KeptConnectionSqliteEventLogStorage as Storage
from analytics_assets.testing import materialize
from analytics_assets.warehouse.resource import BigQueryWarehouse
from analytics_assets_tests.test_event_storages import DAYS, SETTINGS, VisitsExtractor
from benchmarks.embedded_instance import embedded_instance

home, warehouse = sys.argv[1], BigQueryWarehouse(**json.loads(sys.argv[2]))
index = Storage._index

def killed_before_the_index(self, conn, events, rows):
    if events[0].get_dagster_event().event_type_value == "ASSET_MATERIALIZATION":
        os._exit(9)
    index(self, conn, events, rows)

Storage._index = killed_before_the_index
with embedded_instance(home) as instance:
    materialize(VisitsExtractor, warehouse, DAYS[0], DAYS[-1], settings=SETTINGS, instance=instance)
"""


def _materializations_in_run_log(instance: dg.DagsterInstance, run_id: str) -> int:
    return len(instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION))


def test_days_a_killed_run_stored_in_its_log_only_are_indexed_once_its_end_is_stored(
    tmp_path, warehouse
):
    config = {
        "project": warehouse.project,
        "dataset": warehouse.dataset,
        "emulator_url": warehouse.emulator_url,
    }
    child = subprocess.run(
        [sys.executable, "-c", KILLED_BETWEEN_COMMITS, str(tmp_path), json.dumps(config)],
        cwd=REPO_ROOT,
        env={**os.environ, "DAGSTER_EVENT_BATCH_SIZE": "10000"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert child.returncode == 9, child.stderr
    with embedded_instance(str(tmp_path)) as instance:
        (run,) = instance.get_runs()
        assert run.status == DagsterRunStatus.STARTED  # nobody told its end yet
        assert _materializations_in_run_log(instance, run.run_id) == len(DAYS)
        assert instance.get_materialized_partitions(dg.AssetKey("visits")) == set()

        instance.report_run_failed(run, "the run worker died")  # as run monitoring does

        assert instance.get_materialized_partitions(dg.AssetKey("visits")) == set(DAYS)
        assert _statuses(instance, "visits") == {dg.AssetPartitionStatus.MATERIALIZED}
        assert _materializations_in_run_log(instance, run.run_id) == len(DAYS)  # not doubled
        storage = instance.event_log_storage
        assert storage.repair_half_stored_batch(run.run_id) == 0  # type: ignore[attr-defined]
        with storage.index_connection() as conn:  # type: ignore[attr-defined]
            assert conn.execute(PENDING_BATCHES.select()).all() == []
