"""The code location under test, as the benchmark drives it: definitions, selection, runs.

The benchmark loads the real ``analytics_assets.definitions`` (built from the environment
the benchmark set) and selects every extractor whose source is the Django ORM, with its
delta view and its checks. Extractors reading other sources (the HTTP support desk) are
left out: their cost is the API's rate limit, not this code location's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dagster as dg

from analytics_assets.assembly.run_tags import RANGE_END_TAG, RANGE_START_TAG
from analytics_assets.extract import DJANGO, Extractor
from analytics_assets.warehouse.resource import BigQueryWarehouse


@dataclass(frozen=True)
class Location:
    """The loaded definitions and the part of them the benchmark runs."""

    defs: dg.Definitions
    extractors: tuple[type[Extractor[Any]], ...]
    asset_keys: tuple[dg.AssetKey, ...]
    excluded: tuple[str, ...]

    @property
    def warehouse(self) -> BigQueryWarehouse:
        resources = self.defs.resources or {}
        warehouse = resources["warehouse"]
        assert isinstance(warehouse, BigQueryWarehouse)
        return warehouse

    @property
    def job(self) -> dg.JobDefinition:
        return self.defs.resolve_implicit_global_asset_job_def()

    def run(
        self,
        instance: dg.DagsterInstance,
        *,
        keys: Sequence[dg.AssetKey] | None = None,
        first: str,
        last: str | None = None,
        tags: Mapping[str, str] | None = None,
        job: dg.JobDefinition | None = None,
    ) -> dg.ExecuteInProcessResult:
        """One run of ``keys`` (default: the benchmarked assets) with their checks, in ``job``
        (default: the implicit job of every asset).

        ``first`` alone: a one-partition run; ``first..last``: a single-run backfill range.
        """
        range_tags = {RANGE_START_TAG: first, RANGE_END_TAG: last} if last else {}
        return (job or self.job).execute_in_process(
            instance=instance,
            asset_selection=list(keys or self.asset_keys),
            partition_key=None if last else first,
            tags={**range_tags, **(tags or {})},
        )

    def run_request(
        self, instance: dg.DagsterInstance, request: dg.RunRequest
    ) -> dg.ExecuteInProcessResult:
        """The run a sensor's ``request`` asks for: its assets (over its range), and exactly
        the checks it names, as the daemon would launch it."""
        selection = dg.AssetSelection.assets(*(request.asset_selection or ())).without_checks()
        selection |= dg.AssetSelection.checks(*(request.asset_check_keys or ()))
        return dg.materialize(
            [*(self.defs.assets or ()), *(self.defs.asset_checks or ())],  # type: ignore[list-item]
            selection=selection,
            resources=self.defs.resources,
            instance=instance,
            tags=request.tags,
        )


def load_location() -> Location:
    """Import the code location (its environment must be set) and pick the benchmarked part."""
    from analytics_assets.definitions import defs
    from analytics_assets.environments import load_extractors
    from analytics_assets.settings import load_settings

    every, _ = load_extractors(load_settings())
    chosen = tuple(cls for cls in every if cls.declared_source() == DJANGO)
    names = {cls.table.name for cls in chosen}
    names |= {cls.table.delta_view_name for cls in chosen if cls.table.differentiated}
    keys = tuple(sorted((dg.AssetKey(name) for name in names), key=lambda k: k.to_user_string()))
    excluded = tuple(sorted(cls.table.name for cls in every if cls not in chosen))
    return Location(defs=defs, extractors=chosen, asset_keys=keys, excluded=excluded)


def partition_keys(first: dt.date, last: dt.date) -> list[str]:
    return [
        (first + dt.timedelta(days=offset)).isoformat() for offset in range((last - first).days + 1)
    ]


def spread_days(first: dt.date, last: dt.date, count: int) -> list[str]:
    """``count`` days evenly spread from ``first`` to ``last`` (both ends included)."""
    keys = partition_keys(first, last)
    if count <= 1:
        return keys[-1:]
    step = (len(keys) - 1) / (count - 1)
    return sorted({keys[round(index * step)] for index in range(count)})


def table_rows(warehouse: BigQueryWarehouse, table: str) -> int:
    result = warehouse.run_query(f"SELECT COUNT(*) AS n FROM `{warehouse.table_id(table)}`", table)
    return int(next(iter(result))["n"])
