"""The partitions a run covers, read from its tags: one day, or a single-run range of days."""

from __future__ import annotations

from collections.abc import Mapping

import dagster as dg

#: Dagster's own tags for a one-partition run and a single-run range (stable, documented names).
PARTITION_TAG = "dagster/partition"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def run_partition_keys(
    tags: Mapping[str, str], partitions_def: dg.PartitionsDefinition
) -> list[str]:
    """The partition keys of a run: its partition, its range, or none (an unpartitioned run)."""
    if PARTITION_TAG in tags:
        return [tags[PARTITION_TAG]]
    if RANGE_START_TAG in tags and RANGE_END_TAG in tags:
        key_range = dg.PartitionKeyRange(tags[RANGE_START_TAG], tags[RANGE_END_TAG])
        return list(partitions_def.get_partition_keys_in_range(key_range))
    return []


def run_partition_label(tags: Mapping[str, str]) -> str | None:
    """``2024-01-03`` for a one-partition run, ``2024-01-01..2024-01-09`` for a range run."""
    if PARTITION_TAG in tags:
        return tags[PARTITION_TAG]
    start, end = tags.get(RANGE_START_TAG), tags.get(RANGE_END_TAG)
    if start and end:
        return start if start == end else f"{start}..{end}"
    return None
