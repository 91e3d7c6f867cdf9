"""The private Dagster names fenced in assembly/dagster_private.py still behave as used.

Dagster may move or change private names in any release: these tests fail loudly, naming
what changed, before a catch-up sensor fails in a daemon.
"""

from __future__ import annotations

import dagster as dg
from dagster._core.execution.backfill import BulkActionStatus

from analytics_assets.assembly.dagster_private import days_in_unfinished_backfills
from analytics_assets_tests.backfills import add_backfill

DAYS = dg.DailyPartitionsDefinition(start_date="2024-01-01", timezone="Europe/Paris")


@dg.asset(partitions_def=DAYS)
def table() -> None:
    pass


@dg.asset(partitions_def=DAYS, deps=[table])
def table_delta() -> None:
    pass


def _graph():
    return dg.Definitions(assets=[table, table_delta]).resolve_asset_graph()


def test_the_dagster_version_is_the_one_these_names_were_checked_against():
    assert dg.__version__ == "1.13.27", (
        "Dagster was upgraded: check analytics_assets/assembly/dagster_private.py "
        "(AssetCheckEvaluationTargetMaterializationData, get_backfills filters) and the "
        "compute log manager the testing kit's dagster_instance names "
        "(dagster._core.storage.noop_compute_log_manager), then update this pin"
    )


def test_days_of_requested_backfills_are_busy_and_finished_ones_are_not(dagster_instance):
    graph = _graph()
    instance = dagster_instance
    add_backfill(instance, "running", {table.key: ["2024-01-05", "2024-01-06"]}, DAYS)
    add_backfill(
        instance, "done", {table.key: ["2024-01-09"]}, DAYS, BulkActionStatus.COMPLETED_SUCCESS
    )
    busy = days_in_unfinished_backfills(instance, graph, [table.key, table_delta.key])
    assert dict(busy) == {table.key: {"2024-01-05", "2024-01-06"}}
