"""Test helper: one run of extractors' assets and checks over days of a partitions definition of
the test's own (e.g. one with an end date), with production's builders and resources.

The testing kit's :func:`analytics_assets.testing.materialize` builds the whole location from
settings; the checks' tests need a fixed, short partitions definition instead, and runs of
the checks alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg

from analytics_assets.assembly.assets import build_extractor_assets
from analytics_assets.assembly.checks import build_extractor_checks
from analytics_assets.assembly.run_tags import RANGE_END_TAG, RANGE_START_TAG
from analytics_assets.extract import Extractor
from analytics_assets.location import location_resources
from analytics_assets.warehouse.resource import BigQueryWarehouse


def run_assets_and_checks(
    extractors: Sequence[type[Extractor[Any]]],
    warehouse: BigQueryWarehouse,
    partitions: dg.TimeWindowPartitionsDefinition,
    instance: dg.DagsterInstance,
    first: str | None = None,
    last: str | None = None,
    *,
    selection: Any = None,
    sources: Mapping[str, Any] | None = None,
    raise_on_error: bool = True,
) -> dg.ExecuteInProcessResult:
    """One run over ``first..last`` (a single-run range), or of ``selection`` with no days."""
    prefix = f"{warehouse.project}.{warehouse.dataset}"
    definitions = [
        *build_extractor_assets(extractors, partitions, prefix),
        *(check for e in extractors for check in build_extractor_checks(e.table, partitions)),
    ]
    return dg.materialize(
        definitions,
        resources=location_resources(warehouse, sources or {}),
        selection=selection,
        tags={RANGE_START_TAG: first, RANGE_END_TAG: last or first} if first else None,
        raise_on_error=raise_on_error,
        instance=instance,
    )
