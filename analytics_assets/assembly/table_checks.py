"""The data checks of an extractor's table, each evaluated day by day over a :class:`CheckScope`.

* ``schema_matches_declaration``: the live table has exactly the declared columns, and was
  written by the same extractor kind with the same differentiated fields (a property of
  the whole table, so every day gets the same answer);
* ``one_row_per_day`` (date-aggregated): the day has exactly one row;
* ``rows_match_source`` (individual rows): BigQuery holds as many rows for the day as the
  extractor read in the day's latest materialization (its ``dagster/row_count``);
* ``no_missing_days`` (date-aggregated, a warning): every day from the first date up to
  the day has its row, unless Dagster has not run that day yet (never run, or running
  now: the catch-up has not reached it). A day Dagster materialized whose rows are gone,
  or whose run failed, is missing;
* ``monotonic_fields`` (fields declared monotonic, a warning): no such field is lower than
  on the previous day that has a row.

Every failing day says what failed: the field, the day and the values.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import dagster as dg

from analytics_assets.assembly.check_scope import CheckScope
from analytics_assets.extract.schema import ExtractorKind, TableSpec

SHOWN_DAYS = 10
Status = dg.AssetPartitionStatus


@dataclass(frozen=True)
class DayResult:
    """A check's verdict on one day, with what it saw (``severity`` overrides the check's)."""

    passed: bool
    metadata: dict[str, Any]
    description: str | None = None
    severity: dg.AssetCheckSeverity | None = None


DayResults = dict[dt.date, DayResult]


@dataclass(frozen=True)
class TableCheck:
    """One check of an extractor's table: what the UI shows of it, and how a day is evaluated.

    ``cumulative``: a day's verdict speaks for everything up to that day (the table's
    schema, the days before it), so a run of the checks alone reports it once, on the
    newest day, instead of on every day.
    """

    name: str
    description: str
    evaluate: Callable[[CheckScope], DayResults]
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR
    cumulative: bool = False


def shown(items: Sequence[Any]) -> str:
    listed = ", ".join(str(item) for item in items[:SHOWN_DAYS])
    return listed + (f" and {len(items) - SHOWN_DAYS} more" if len(items) > SHOWN_DAYS else "")


def table_checks(spec: TableSpec) -> list[TableCheck]:
    """The checks of the table ``spec`` declares, in the order they run."""
    checks = [
        TableCheck(
            "schema_matches_declaration",
            "The live BigQuery table has exactly the columns the row dataclass declares, "
            "its extractor kind and its differentiated fields.",
            _schema_matches_declaration,
            cumulative=True,
        )
    ]
    if spec.kind != ExtractorKind.DATE_AGGREGATED:
        checks.append(
            TableCheck(
                "rows_match_source",
                "BigQuery holds, per day, as many rows as the extractor read for it.",
                _rows_match_source,
            )
        )
        return checks
    checks.append(TableCheck("one_row_per_day", "The day has exactly one row.", _one_row_per_day))
    checks.append(
        TableCheck(
            "no_missing_days",
            "Every day from the first date up to this one has its row (days Dagster has "
            "not run yet are not missing: the catch-up has not reached them).",
            _no_missing_days,
            dg.AssetCheckSeverity.WARN,
            cumulative=True,
        )
    )
    monotonic = tuple(c.name for c in spec.columns if c.options.monotonic)
    if monotonic:
        checks.append(
            TableCheck(
                "monotonic_fields",
                f"{', '.join(monotonic)} never decrease from the previous day that has a row.",
                _monotonic_fields,
                dg.AssetCheckSeverity.WARN,
            )
        )
    return checks


def _schema_matches_declaration(scope: CheckScope) -> DayResults:
    from analytics_assets.warehouse.tables import describe_table_drift

    if not scope.days:
        return {}
    live = scope.warehouse.get_client().get_table(scope.warehouse.table_id(scope.spec.name))
    problems = describe_table_drift(scope.spec, live)
    result = DayResult(
        passed=not problems,
        metadata={"differences": "; ".join(problems) or "none"},
        description=f"{scope.spec.name} differs from its declaration: " + "; ".join(problems)
        if problems
        else None,
    )
    return dict.fromkeys(scope.days, result)


def _one_row_per_day(scope: CheckScope) -> DayResults:
    results = {}
    for day in scope.days:
        rows = scope.rows_per_day.get(day, 0)
        results[day] = DayResult(
            passed=rows == 1,
            metadata={"rows": rows},
            description=None if rows == 1 else f"{day}: {rows} rows, expected exactly 1",
        )
    return results


def _rows_match_source(scope: CheckScope) -> DayResults:
    results = {}
    for day in scope.days:
        stored = scope.rows_per_day.get(day, 0)
        read = scope.recorded_rows(day)
        if read is None:
            results[day] = DayResult(
                passed=False,
                metadata={"bigquery_rows": stored},
                description=f"{day}: its materialization recorded no row count "
                "(dagster/row_count); materialize the day again to check it",
                severity=dg.AssetCheckSeverity.WARN,
            )
            continue
        results[day] = DayResult(
            passed=stored == read,
            metadata={"source_rows": read, "bigquery_rows": stored},
            description=None
            if stored == read
            else f"{day}: BigQuery holds {stored} rows, the extractor read {read}",
        )
    return results


def _absent_state(status: Status | None) -> str | None:
    """Why a day without rows is missing, or None when Dagster has not run it yet."""
    if status == Status.MATERIALIZED:
        return "materialized, rows gone"
    if status == Status.FAILED:
        return "its run failed"
    return None


def _no_missing_days(scope: CheckScope) -> DayResults:
    if not scope.days:
        return {}
    span = (max(scope.days) - scope.first_day).days + 1
    missing: list[tuple[dt.date, str]] = []
    waiting: list[dt.date] = []
    for day in (scope.first_day + dt.timedelta(n) for n in range(span)):
        if scope.rows_per_day.get(day, 0):
            continue
        state = _absent_state(scope.statuses.get(day.isoformat()))
        if state is None:
            waiting.append(day)
        else:
            missing.append((day, state))
    missing_days = [day for day, _ in missing]
    results = {}
    for day in scope.days:
        up_to = missing[: bisect.bisect_right(missing_days, day)]
        not_yet = waiting[: bisect.bisect_right(waiting, day)]
        listed = shown([f"{d} ({state})" for d, state in up_to])
        results[day] = DayResult(
            passed=not up_to,
            metadata={
                "days_expected": (day - scope.first_day).days + 1,
                "missing_days": len(up_to),
                "missing": listed or "none",
                "not_extracted_yet": len(not_yet),
                "not_extracted_yet_days": shown(not_yet) or "none",
            },
            description=f"{len(up_to)} day(s) from {scope.first_day} to {day} have no row: {listed}"
            if up_to
            else None,
        )
    return results


def _monotonic_fields(scope: CheckScope) -> DayResults:
    fields = tuple(c.name for c in scope.spec.columns if c.options.monotonic)
    rows: dict[dt.date, list[tuple]] = defaultdict(list)
    for day, values in scope.daily_values(fields):
        rows[day].append(values)
    dates = sorted(rows)
    results = {}
    for day in scope.days:
        index = bisect.bisect_left(dates, day)
        previous = dates[index - 1] if index else None
        if len(rows.get(day, [])) != 1 or previous is None or len(rows[previous]) != 1:
            results[day] = DayResult(True, {"compared_with": _not_compared(day, previous, rows)})
            continue
        decreases = {
            name: {"previous": _plain(before), "value": _plain(now), "drop": _plain(before - now)}
            for name, before, now in zip(fields, rows[previous][0], rows[day][0], strict=True)
            if before is not None and now is not None and now < before
        }
        metadata: dict[str, Any] = {"compared_with": previous.isoformat()}
        if decreases:
            metadata["decreases"] = dg.MetadataValue.json(decreases)
        results[day] = DayResult(
            passed=not decreases,
            metadata=metadata,
            description="; ".join(
                f"{name} fell from {d['previous']} on {previous} to {d['value']} on {day} "
                f"(drop of {d['drop']})"
                for name, d in decreases.items()
            )
            or None,
        )
    return results


def _not_compared(day: dt.date, previous: dt.date | None, rows: dict[dt.date, list]) -> str:
    if len(rows.get(day, [])) != 1:
        return f"nothing: {day} has {len(rows.get(day, []))} rows (see one_row_per_day)"
    if previous is None:
        return "nothing: no earlier day has a row"
    return f"nothing: {previous} has {len(rows[previous])} rows (see one_row_per_day)"


def _plain(value: Any) -> int | float | str:
    """A JSON-safe number: ints and floats as they are, NUMERIC as its exact text."""
    return value if isinstance(value, int | float) else str(value)
