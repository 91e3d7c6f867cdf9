"""The one daily partitioning every asset shares: local days from FIRST_DATE to yesterday."""

from __future__ import annotations

import dagster as dg

from analytics_assets.settings import Settings


def daily_partitions(settings: Settings) -> dg.DailyPartitionsDefinition:
    """Local days in TIMEZONE; the last partition is the last complete day (end_offset=0)."""
    return dg.DailyPartitionsDefinition(
        start_date=settings.start.isoformat(), timezone=settings.zone
    )


def partitions_of(
    repository_def: dg.RepositoryDefinition | None, asset_key: dg.AssetKey
) -> dg.TimeWindowPartitionsDefinition:
    """The daily partitions of ``asset_key`` in the definitions a sensor or a check runs in."""
    assert repository_def is not None
    partitions = repository_def.asset_graph.get(asset_key).partitions_def
    assert isinstance(partitions, dg.TimeWindowPartitionsDefinition)
    return partitions
