"""The private Dagster names this project needs, fenced here: launching and listing asset backfills.

Dagster 1.13 has no public way for a sensor to launch a backfill (no ``BackfillRequest``;
``RunRequest.for_asset_graph_subset`` is "intentionally left private") nor to list the
backfills that have not finished. Every use goes through these two functions, and
``analytics_assets_tests/test_dagster_backfills.py`` fails loudly if a Dagster upgrade
moves or changes a name used here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg
from dagster._core.definitions.assets.graph.asset_graph_subset import AssetGraphSubset
from dagster._core.execution.backfill import BulkActionsFilter, BulkActionStatus

#: Backfills that may still launch runs.
ACTIVE_BACKFILL_STATUSES = (BulkActionStatus.REQUESTED, BulkActionStatus.CANCELING)


def backfill_request(subsets: Mapping[dg.AssetKey, Any], tags: Mapping[str, str]) -> dg.RunRequest:
    """A sensor's request for one real backfill of these partitions (subsets) of these assets."""
    subset = AssetGraphSubset(partitions_subsets_by_asset_key=dict(subsets))
    return dg.RunRequest.for_asset_graph_subset(subset, tags=dict(tags))


def days_in_unfinished_backfills(
    instance: dg.DagsterInstance, asset_graph: Any, asset_keys: Sequence[dg.AssetKey]
) -> dict[dg.AssetKey, set[str]]:
    """The partition keys of ``asset_keys`` targeted by asset backfills still requested."""
    busy: dict[dg.AssetKey, set[str]] = defaultdict(set)
    backfills = instance.get_backfills(
        filters=BulkActionsFilter(statuses=list(ACTIVE_BACKFILL_STATUSES))
    )
    for backfill in backfills:
        if not backfill.is_asset_backfill:
            continue
        target = backfill.get_asset_backfill_data(asset_graph).target_subset
        for asset_key in asset_keys:
            if asset_key in target.asset_keys:
                busy[asset_key] |= set(target.get_partitions_subset(asset_key).get_partition_keys())
    return busy
