"""A day as a test sees it: its status in Dagster, and what the extractors give for it (dry run).

:func:`day_status` tells whether a day of an asset is materialized, failed or in progress
on an instance (what the UI's *Partitions* tab and the catch-up read). :func:`dry_run`
runs extractors on days in the test's process with the real windows and row checks, as
``analytics-assets print-extract`` does, and answers the rows instead of printing them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg

from analytics_assets.assembly.location_names import LocationNames
from analytics_assets.dry_run import DayExtract, days_to_print, extract_days, source_resources
from analytics_assets.testing.locations import (
    Extractors,
    as_date,
    extractor_list,
    extractor_sources,
)


def day_status(
    instance: dg.DagsterInstance,
    definitions: dg.Definitions,
    table: str,
    day: str | dt.date,
    *,
    key_prefix: Sequence[str] = (),
) -> str | None:
    """``"materialized"``, ``"failed"``, ``"in_progress"`` or None (never run) for ``day``
    of the asset of ``table`` (or of a view) in ``definitions``, as ``instance`` records it."""
    key = LocationNames(tuple(key_prefix)).asset_key(table)
    partitions = definitions.resolve_asset_graph().get(key).partitions_def
    assert isinstance(partitions, dg.TimeWindowPartitionsDefinition)
    name = as_date(day).isoformat()
    status = (instance.get_status_by_partition(key, [name], partitions) or {}).get(name)
    return None if status is None else status.value.lower()


def dry_run(
    extractors: Extractors,
    first: str | dt.date,
    last: str | dt.date | None = None,
    *,
    timezone: str = "Europe/Paris",
    sources: Mapping[str, Any] | None = None,
) -> list[DayExtract]:
    """What each extractor gives for each day ``first``..``last`` (both complete days in
    ``timezone``), checked as a run checks it, written nowhere: a :class:`DayExtract` per
    extractor and day, with its ``rows`` (values in column order, ``date`` first) or its
    ``error`` (``outcome``: ``"refused"`` for a row that does not fit, ``"failed"`` when
    the extractor raised). ``sources`` as in :func:`~analytics_assets.testing.materialize`."""
    listed = extractor_list(extractors)
    tz = ZoneInfo(timezone)
    days = days_to_print(as_date(first), as_date(last) if last else as_date(first), tz)
    available = extractor_sources(listed, sources)
    with dg.build_resources(source_resources(listed, available)) as resources:
        return list(extract_days(listed, days, tz, resources))
