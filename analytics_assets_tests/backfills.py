"""Backfills as a user launches them from the UI, stored on a test instance before any run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import dagster as dg
from dagster._core.definitions.assets.graph.asset_graph_subset import AssetGraphSubset
from dagster._core.execution.backfill import BulkActionStatus, PartitionBackfill


def add_backfill(
    instance: dg.DagsterInstance,
    backfill_id: str,
    days_by_asset: Mapping[dg.AssetKey, Sequence[str]],
    partitions: dg.PartitionsDefinition,
    status: BulkActionStatus = BulkActionStatus.REQUESTED,
) -> None:
    """A backfill of these days of these assets, in ``status`` (requested: its runs to come)."""
    subset = AssetGraphSubset(
        partitions_subsets_by_asset_key={
            key: partitions.subset_with_partition_keys(days) for key, days in days_by_asset.items()
        }
    )
    backfill = PartitionBackfill.from_asset_graph_subset(
        backfill_id=backfill_id,
        asset_graph_subset=subset,
        dynamic_partitions_store=instance,
        tags={},
        backfill_timestamp=dt.datetime(2024, 2, 1, tzinfo=dt.UTC).timestamp(),
        title=None,
        description=None,
        run_config=None,
    )
    instance.add_backfill(backfill.with_status(status))
