"""The days unfinished runs will write, read from their tags and asset selection, not their plan.

A run's plan (one planned event per asset and day) is stored after the run itself: a daemon
killed in between leaves a run with no planned day, which Dagster still launches on restart.
Its tags say which days it writes (one partition, or a single-run range), so the catch-up
counts them as busy and never requests them a second time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import dagster as dg

from analytics_assets.assembly.run_tags import run_partition_bounds

UNFINISHED = [
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def days_of_unfinished_runs(
    instance: dg.DagsterInstance,
    asset_keys: Sequence[dg.AssetKey],
    partitions_def: dg.TimeWindowPartitionsDefinition,
) -> dict[dg.AssetKey, set[str]]:
    """Per asset of ``asset_keys``, the days an unfinished run selecting it covers."""
    busy: dict[dg.AssetKey, set[str]] = {}
    wanted = set(asset_keys)
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=UNFINISHED)):
        days = _days_of(run.tags, partitions_def)
        for key in (run.asset_selection or set()) & wanted:
            busy.setdefault(key, set()).update(days)
    return busy


def _days_of(
    tags: Mapping[str, str], partitions_def: dg.TimeWindowPartitionsDefinition
) -> Sequence[str]:
    bounds = run_partition_bounds(tags)
    if bounds is None:
        return []
    return partitions_def.get_partition_keys_in_range(dg.PartitionKeyRange(*bounds))
