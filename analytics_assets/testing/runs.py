"""Materializing days of extractors in a test, and reading back what BigQuery then holds.

:func:`materialize` runs the location's own assets (extract assets, IO manager, delta
views, optionally the checks) for one day or for a range of days in ONE run, exactly as
a single-run backfill does, and answers a :class:`Materialized`: Dagster's result, the
errors it reported, and the rows of any table or view as plain dicts or pandas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import dagster as dg

from analytics_assets.assembly.run_tags import RANGE_END_TAG, RANGE_START_TAG
from analytics_assets.automation.freshness import is_data_check
from analytics_assets.extract.schema import check_identifier
from analytics_assets.settings import Settings
from analytics_assets.testing.locations import (
    Extractors,
    as_date,
    location_definitions,
    location_settings,
)
from analytics_assets.warehouse.resource import BigQueryWarehouse

if TYPE_CHECKING:
    import pandas as pd


def table_rows(warehouse: BigQueryWarehouse, table: str) -> list[dict[str, Any]]:
    """Every row of the table or view ``table``, as ``{column: value}`` dicts in column order,
    ordered by their values column by column (so by ``date`` first; NULL first).

    Values are what the BigQuery client gives: ``int``, ``float``, ``Decimal``, ``bool``,
    ``str``, ``bytes``, ``datetime.date``, and ``datetime.datetime`` in UTC.
    """
    table_id = warehouse.table_id(check_identifier(table, "table"))
    rows = [dict(row.items()) for row in warehouse.run_query(f"SELECT * FROM `{table_id}`", table)]
    return sorted(rows, key=lambda row: tuple((v is not None, v) for v in row.values()))


def run_errors(result: dg.ExecuteInProcessResult) -> list[str]:
    """``Class: message`` of each failure the run reported (a failed step, a resource that
    could not start), once each: the error raised, not Dagster's wrapping of it (whose
    message repeats it). An error that wraps another names it in its own message (e.g.
    ``ExtractorFailedError: extractor 'x' failed on day …: ImportError: …``)."""
    messages = []
    for event in result.all_events:
        error: Any = getattr(event.event_specific_data, "error", None)
        while error is not None and error.cls_name.startswith("Dagster") and error.cause:
            error = error.cause
        if error is None or error.cls_name.startswith("Dagster"):
            continue
        text = error.message.strip()
        prefix, _, rest = text.partition(": ")
        if prefix.rsplit(".", 1)[-1] == error.cls_name:
            text = rest
        messages.append(f"{error.cls_name}: {text}")
    return list(dict.fromkeys(messages))


@dataclass(frozen=True)
class Materialized:
    """One run of :func:`materialize`, and the warehouse it wrote to."""

    #: Dagster's result: events, materializations and their metadata, check evaluations.
    dagster_result: dg.ExecuteInProcessResult
    warehouse: BigQueryWarehouse

    @property
    def success(self) -> bool:
        return self.dagster_result.success

    @property
    def errors(self) -> list[str]:
        """``Class: message`` of each failure the run reported, once each, e.g.
        ``RowValidationError: extractor 'signup', day 2024-03-31, row 1, ...``."""
        return run_errors(self.dagster_result)

    @property
    def checks(self) -> dict[str, bool]:
        """Whether each check that ran passed on every day it checked, by ``table.check_name``."""
        passed: dict[str, bool] = {}
        for e in self.dagster_result.get_asset_check_evaluations():
            name = f"{e.asset_key.to_user_string()}.{e.check_name}"
            passed[name] = passed.get(name, True) and e.passed
        return passed

    def rows(self, table: str) -> list[dict[str, Any]]:
        """What the table or view ``table`` now holds: :func:`table_rows`."""
        return table_rows(self.warehouse, table)

    def frame(self, table: str) -> pd.DataFrame:
        """What the table or view ``table`` now holds, as pandas, ordered by date."""
        return self.warehouse.read_days(table, None)


def materialize(
    extractors: Extractors,
    warehouse: BigQueryWarehouse,
    first: str | dt.date,
    last: str | dt.date | None = None,
    *,
    settings: Settings | None = None,
    sources: Mapping[str, Any] | None = None,
    instance: dg.DagsterInstance | None = None,
    checks: bool = False,
    raise_on_error: bool = True,
) -> Materialized:
    """Materialize the local day ``first``, or the days ``first`` to ``last`` in ONE run,
    of ``extractors`` (one class or several) and their delta views, into ``warehouse``.

    ``settings`` default to :func:`location_settings` starting on ``first``; ``sources``
    as in :func:`location_definitions`; ``instance`` is where the run is recorded (an
    ephemeral one by default), e.g. to evaluate the catch-up sensor on it afterwards;
    ``checks=True`` runs the extractors' data checks too, as the daily run does. A failed
    run raises unless ``raise_on_error=False``; :attr:`Materialized.errors` then says why.
    """
    first_day = as_date(first)
    last_day = as_date(last) if last is not None else first_day
    settings = settings or location_settings(first_day)
    definitions = location_definitions(extractors, warehouse, settings, sources=sources)
    everything = [*(definitions.assets or ()), *(definitions.asset_checks or ())]
    one_day = first_day == last_day
    result = dg.materialize(
        everything,  # type: ignore[arg-type]  # checks are assets definitions to materialize()
        selection=dg.AssetSelection.all() - _freshness_checks(definitions)
        if checks
        else dg.AssetSelection.all().without_checks(),
        resources=definitions.resources,
        partition_key=first_day.isoformat() if one_day else None,
        tags=None
        if one_day
        else {RANGE_START_TAG: first_day.isoformat(), RANGE_END_TAG: last_day.isoformat()},
        instance=instance,
        raise_on_error=raise_on_error,
    )
    return Materialized(result, warehouse)


def _freshness_checks(definitions: dg.Definitions) -> dg.AssetSelection:
    """The checks a run of days leaves out: the freshness checks, evaluated by their sensor."""
    keys = definitions.resolve_asset_graph().asset_check_keys
    return dg.AssetSelection.checks(*(key for key in keys if not is_data_check(key)))


def run_checks(
    extractors: Extractors,
    warehouse: BigQueryWarehouse,
    *,
    settings: Settings,
    instance: dg.DagsterInstance,
    sources: Mapping[str, Any] | None = None,
) -> Materialized:
    """Run the extractors' data checks alone, as the UI's *Execute all* does: each check
    covers every day ``instance`` records as materialized (days materialized there with
    :func:`materialize`, ``instance=``); :attr:`Materialized.checks` says which passed."""
    definitions = location_definitions(extractors, warehouse, settings, sources=sources)
    result = dg.materialize(
        [*(definitions.assets or ()), *(definitions.asset_checks or ())],  # type: ignore[list-item]
        selection=dg.AssetSelection.all_asset_checks() - _freshness_checks(definitions),
        resources=definitions.resources,
        instance=instance,
        raise_on_error=False,
    )
    return Materialized(result, warehouse)
