"""The private Dagster names fenced in assembly/dagster_private.py still behave as used.

Dagster may move or change private names in any release: these tests fail loudly, naming
what changed, before a catch-up sensor fails in a daemon.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg
from dagster._core.execution.backfill import BulkActionStatus, PartitionBackfill

from analytics_assets.assembly.dagster_private import (
    backfill_request,
    days_in_unfinished_backfills,
)

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
        "(RunRequest.for_asset_graph_subset, AssetGraphSubset, get_backfills filters), "
        "then update this pin"
    )


def test_a_backfill_request_targets_exactly_the_given_days_of_the_given_assets():
    days = ["2024-01-02", "2024-01-03"]
    request = backfill_request(
        {key: DAYS.subset_with_partition_keys(days) for key in (table.key, table_delta.key)},
        tags={"analytics/catch_up": "missing"},
    )
    subset = request.asset_graph_subset
    assert subset is not None
    assert subset.asset_keys == {table.key, table_delta.key}
    for key in (table.key, table_delta.key):
        assert sorted(subset.get_partitions_subset(key).get_partition_keys()) == days
    assert request.tags["analytics/catch_up"] == "missing"


def test_days_of_requested_backfills_are_busy_and_finished_ones_are_not(dagster_instance):
    graph = _graph()
    instance = dagster_instance
    for backfill_id, days, status in [
        ("running", ["2024-01-05", "2024-01-06"], BulkActionStatus.REQUESTED),
        ("done", ["2024-01-09"], BulkActionStatus.COMPLETED_SUCCESS),
    ]:
        request = backfill_request({table.key: DAYS.subset_with_partition_keys(days)}, {})
        assert request.asset_graph_subset is not None
        backfill = PartitionBackfill.from_asset_graph_subset(
            backfill_id=backfill_id,
            asset_graph_subset=request.asset_graph_subset,
            dynamic_partitions_store=instance,
            tags={},
            backfill_timestamp=dt.datetime(2024, 2, 1, tzinfo=dt.UTC).timestamp(),
            title=None,
            description=None,
            run_config=None,
        )
        instance.add_backfill(backfill.with_status(status))
    busy = days_in_unfinished_backfills(instance, graph, [table.key, table_delta.key])
    assert dict(busy) == {table.key: {"2024-01-05", "2024-01-06"}}
