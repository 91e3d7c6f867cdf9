"""What a killed run leaves (its staging table, its parquet file) goes with the next write of
its table; what a live process is using, or belongs to another table, stays. The processes
that leave them are real and really killed (SIGKILL), on the session's emulator.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from google.cloud import bigquery

from analytics_assets.rows.leftovers import Owner
from analytics_assets.rows.staging import new_staging_file, remove_stale_staging_files
from analytics_assets.testing import materialize
from analytics_assets.warehouse.day_replace import DayReplacer
from analytics_assets_tests.paths import REPO_ROOT
from analytics_assets_tests.test_dataset_governance import VisitsExtractor

SCHEMA = [bigquery.SchemaField("date", "DATE", "REQUIRED")]


def _killed_after(code: str) -> str:
    """Run ``code`` in a new Python process, SIGKILL it once it printed a line; that line."""
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code) + "\nprint(made, flush=True)\nimport time\n"
         "time.sleep(600)"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert child.stdout is not None
    made = child.stdout.readline().strip()
    os.kill(child.pid, signal.SIGKILL)
    child.wait(10)
    return made


def _staging_table(client: bigquery.Client, table_id: str, owner: Owner | None) -> None:
    table = bigquery.Table(table_id, schema=SCHEMA)
    table.labels = owner.labels() if owner else {}
    client.create_table(table)


def test_a_staging_table_left_by_a_killed_process_is_dropped_by_the_next_write(
    warehouse, bq_client
):
    dataset = warehouse.tables().ensure_dataset().dataset_id
    dataset = f"{warehouse.project}.{dataset}"
    killed = _killed_after(
        f"""
        from google.cloud import bigquery
        from analytics_assets.rows.leftovers import Owner
        from analytics_assets.testing import emulator_client
        made = "{dataset}._staging_visits_killed01"
        table = bigquery.Table(made, schema=[bigquery.SchemaField("date", "DATE", "REQUIRED")])
        table.labels = Owner.this_process().labels()
        emulator_client("{warehouse.emulator_url}").create_table(table)
        """
    )
    _staging_table(bq_client, f"{dataset}._staging_visits_inuse001", Owner.this_process())
    _staging_table(bq_client, f"{dataset}._staging_other_killed02", Owner.from_labels(
        bq_client.get_table(killed).labels
    ))  # fmt: skip

    assert materialize(VisitsExtractor, warehouse, "2024-01-02").success
    left = sorted(t.table_id for t in bq_client.list_tables(dataset))
    assert left == ["_staging_other_killed02", "_staging_visits_inuse001", "visits"]


def test_a_staging_table_without_owner_or_of_another_host_goes_once_an_hour_old(
    warehouse, bq_client
):
    dataset = warehouse.tables().ensure_dataset().dataset_id
    dataset = f"{warehouse.project}.{dataset}"
    _staging_table(bq_client, f"{dataset}._staging_visits_unowned01", None)
    _staging_table(bq_client, f"{dataset}._staging_visits_elsewhere", Owner("other-host", 1))
    replacer = DayReplacer(warehouse.tables())
    now = dt.datetime.now(dt.UTC)
    assert replacer.drop_stale_staging("visits", now=now) == []
    dropped = replacer.drop_stale_staging("visits", now=now + dt.timedelta(minutes=61))
    assert sorted(dropped) == ["_staging_visits_elsewhere", "_staging_visits_unowned01"]


def test_a_parquet_file_left_by_a_killed_run_is_removed_by_the_next_run_of_its_table(tmp_path):
    killed = Path(
        _killed_after(
            f"""
            from pathlib import Path
            from analytics_assets.rows.staging import new_staging_file
            made = new_staging_file("visits", Path("{tmp_path}"))
            """
        )
    )
    other_table = tmp_path / killed.name.replace("visits.", "orders.", 1)
    other_table.write_bytes(b"")
    in_use = new_staging_file("visits", tmp_path)
    assert killed.exists()

    assert remove_stale_staging_files("visits", tmp_path) == [killed]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([other_table.name, in_use.name])
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=61)
    assert remove_stale_staging_files("visits", tmp_path, now=later) == [in_use]
