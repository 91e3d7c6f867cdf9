"""The partitions a run covers, read from its tags: one day, or a single-run range of days."""

from __future__ import annotations

from collections.abc import Mapping

#: Dagster's own tags for a one-partition run and a single-run range (stable, documented names).
PARTITION_TAG = "dagster/partition"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def run_partition_bounds(tags: Mapping[str, str]) -> tuple[str, str] | None:
    """The first and last partition a run covers (the same for a one-partition run); None
    for a run of no partition."""
    if PARTITION_TAG in tags:
        return tags[PARTITION_TAG], tags[PARTITION_TAG]
    start, end = tags.get(RANGE_START_TAG), tags.get(RANGE_END_TAG)
    return (start, end) if start and end else None


def run_partition_label(tags: Mapping[str, str]) -> str | None:
    """``2024-01-03`` for a one-partition run, ``2024-01-01..2024-01-09`` for a range run."""
    bounds = run_partition_bounds(tags)
    if bounds is None:
        return None
    start, end = bounds
    return start if start == end else f"{start}..{end}"
