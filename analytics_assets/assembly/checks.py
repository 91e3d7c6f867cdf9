"""Data checks on each extractor's BigQuery table, shown as asset checks in the UI.

They run after the extract asset in the same run, one step for all the checks of a table,
and look at what landed in BigQuery for the run's days (a day, or the range of a
single-run backfill):

* ``schema_matches_declaration``: the live table has exactly the declared columns, and
  was written by the same extractor kind with the same differentiated fields;
* ``one_row_per_day`` (date-aggregated): each of the run's days has exactly one row;
* ``rows_match_source`` (individual rows): BigQuery holds, for each day, as many rows as
  the extractor read from its source in this run;
* ``no_missing_days``: every day from the first date to the last complete day has rows
  (date-aggregated) — a warning while a catch-up is still running;
* ``monotonic_fields`` (fields declared monotonic): cumulative numbers never decrease
  from a day to the next; a warning, because sources do get corrected.
"""

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import dagster as dg

from analytics_assets.assembly.run_tags import run_partition_keys
from analytics_assets.extract.schema import DATE_COLUMN, ExtractorKind, TableSpec
from analytics_assets.warehouse.resource import BigQueryWarehouse

ROW_COUNT_KEY = "dagster/row_count"
SHOWN_DAYS = 10


def run_days(
    run: dg.DagsterRun, partitions_def: dg.TimeWindowPartitionsDefinition
) -> list[dt.date]:
    """The local days a run wrote: its partition, or its single-run range."""
    return [dt.date.fromisoformat(key) for key in run_partition_keys(run.tags, partitions_def)]


def _shown(days: Sequence[Any]) -> str:
    listed = ", ".join(str(d) for d in days[:SHOWN_DAYS])
    return listed + (f" and {len(days) - SHOWN_DAYS} more" if len(days) > SHOWN_DAYS else "")


def _rows_per_day(
    warehouse: BigQueryWarehouse, spec: TableSpec, days: Sequence[dt.date]
) -> dict[dt.date, int]:
    if not days:
        return {}
    from analytics_assets.warehouse.sql import days_predicate

    sql = (
        f"SELECT `{DATE_COLUMN}` AS day, COUNT(*) AS n FROM `{warehouse.table_id(spec.name)}` "
        f"WHERE {days_predicate(days)} GROUP BY day"
    )
    return {row["day"]: row["n"] for row in warehouse.run_query(sql, spec.name)}


def _source_rows_of_run(context: dg.AssetCheckExecutionContext, key: dg.AssetKey) -> dict:
    records = context.instance.get_records_for_run(
        context.run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
    ).records
    counts: dict[dt.date, int] = {}
    for record in records:
        materialization = record.event_log_entry.asset_materialization
        if materialization is None or materialization.asset_key != key:
            continue
        count = materialization.metadata.get(ROW_COUNT_KEY)
        if materialization.partition and count is not None:
            counts[dt.date.fromisoformat(materialization.partition)] = int(count.value)  # type: ignore[arg-type]
    return counts


CheckFunction = Callable[
    [dg.AssetCheckExecutionContext, BigQueryWarehouse], tuple[bool, dict[str, Any]]
]


@dataclass(frozen=True)
class TableCheck:
    """One check of an extractor's table: what the UI shows of it, and how it is evaluated.

    ``evaluate`` answers (passed, metadata); ``severity`` is what a failure means.
    """

    name: str
    description: str
    evaluate: CheckFunction
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR


class CheckExecutionError(RuntimeError):
    """A check could not be evaluated (its query failed): it has no result, passed or not."""


def table_checks(
    spec: TableSpec, partitions_def: dg.TimeWindowPartitionsDefinition
) -> list[TableCheck]:
    """The checks of the table ``spec`` declares, in the order they run."""
    checks = [
        TableCheck(
            "schema_matches_declaration",
            "The live BigQuery table has exactly the columns the row dataclass declares, "
            "its extractor kind and its differentiated fields.",
            lambda context, warehouse: _schema_matches_declaration(spec, warehouse),
        )
    ]
    if spec.kind != ExtractorKind.DATE_AGGREGATED:
        checks.append(
            TableCheck(
                "rows_match_source",
                "BigQuery holds, per day, as many rows as the extractor read.",
                lambda context, warehouse: _rows_match_source(spec, context, warehouse),
            )
        )
        return checks
    checks.append(
        TableCheck(
            "one_row_per_day",
            "Each day the run wrote has exactly one row.",
            lambda context, warehouse: _one_row_per_day(spec, partitions_def, context, warehouse),
        )
    )
    checks.append(
        TableCheck(
            "no_missing_days",
            "Every day from the first date to the last complete day has its row.",
            lambda context, warehouse: _no_missing_days(spec, partitions_def, warehouse),
            dg.AssetCheckSeverity.WARN,
        )
    )
    monotonic = [c.name for c in spec.columns if c.options.monotonic]
    if monotonic:
        checks.append(
            TableCheck(
                "monotonic_fields",
                f"{', '.join(monotonic)} never decrease from a day to the next.",
                lambda context, warehouse: _monotonic_fields(spec, monotonic, warehouse),
                dg.AssetCheckSeverity.WARN,
            )
        )
    return checks


def build_extractor_checks(
    spec: TableSpec,
    partitions_def: dg.TimeWindowPartitionsDefinition,
) -> list[dg.AssetChecksDefinition]:
    """The checks of ``spec``'s table as one subsettable definition: one step in a run.

    A step per check would cost a run a step's events and the code location an op
    definition per check; each check is still its own key in the UI, runnable alone. A
    check whose query fails does not stop the others: the step fails after them, with
    one error naming the checks that could not run.
    """
    key = dg.AssetKey(spec.name)
    checks = table_checks(spec, partitions_def)

    @dg.multi_asset_check(
        name=f"{spec.name}_checks",
        specs=[
            dg.AssetCheckSpec(check.name, asset=key, description=check.description)
            for check in checks
        ],
        can_subset=True,
    )
    def extractor_checks(
        context: dg.AssetCheckExecutionContext, warehouse: BigQueryWarehouse
    ) -> Iterator[dg.AssetCheckResult]:
        selected = {check_key.name for check_key in context.selected_asset_check_keys}
        failures: list[str] = []
        for check in checks:
            if check.name not in selected:
                continue
            try:
                passed, metadata = check.evaluate(context, warehouse)
            except Exception as error:
                context.log.exception(f"check {check.name} of {spec.name} could not run")
                first_line = (str(error).splitlines() or [""])[0]
                failures.append(f"{check.name}: {type(error).__name__}: {first_line}")
                continue
            yield dg.AssetCheckResult(
                asset_key=key,
                check_name=check.name,
                passed=passed,
                severity=check.severity,
                metadata=metadata,
            )
        if failures:
            raise CheckExecutionError(
                f"checks of table {spec.name!r} could not run: " + "; ".join(failures)
            )

    return [extractor_checks]


def _schema_matches_declaration(
    spec: TableSpec, warehouse: BigQueryWarehouse
) -> tuple[bool, dict[str, Any]]:
    from analytics_assets.warehouse.tables import describe_table_drift

    live = warehouse.get_client().get_table(warehouse.table_id(spec.name))
    problems = describe_table_drift(spec, live)
    return not problems, {"differences": "; ".join(problems) or "none"}


def _one_row_per_day(
    spec: TableSpec,
    partitions_def: dg.TimeWindowPartitionsDefinition,
    context: dg.AssetCheckExecutionContext,
    warehouse: BigQueryWarehouse,
) -> tuple[bool, dict[str, Any]]:
    days = run_days(context.run, partitions_def)
    counts = _rows_per_day(warehouse, spec, days)
    wrong = [f"{d}: {counts.get(d, 0)} rows" for d in days if counts.get(d, 0) != 1]
    return not wrong, {"days_checked": len(days), "wrong_days": _shown(wrong) or "none"}


def _rows_match_source(
    spec: TableSpec, context: dg.AssetCheckExecutionContext, warehouse: BigQueryWarehouse
) -> tuple[bool, dict[str, Any]]:
    source = _source_rows_of_run(context, dg.AssetKey(spec.name))
    stored = _rows_per_day(warehouse, spec, sorted(source))
    wrong = [
        f"{d}: source {n}, BigQuery {stored.get(d, 0)}"
        for d, n in sorted(source.items())
        if stored.get(d, 0) != n
    ]
    return not wrong, {
        "days_checked": len(source),
        "source_rows": sum(source.values()),
        "bigquery_rows": sum(stored.values()),
        "mismatches": _shown(wrong) or "none",
    }


def _no_missing_days(
    spec: TableSpec,
    partitions_def: dg.TimeWindowPartitionsDefinition,
    warehouse: BigQueryWarehouse,
) -> tuple[bool, dict[str, Any]]:
    expected = [dt.date.fromisoformat(k) for k in partitions_def.get_partition_keys()]
    present = _rows_per_day(warehouse, spec, expected)
    missing = [d for d in expected if d not in present]
    return not missing, {"days_expected": len(expected), "missing_days": _shown(missing) or "none"}


def _monotonic_fields(
    spec: TableSpec, monotonic: Sequence[str], warehouse: BigQueryWarehouse
) -> tuple[bool, dict[str, Any]]:
    table = warehouse.table_id(spec.name)
    decreases = " OR ".join(f"`{c}` < `previous_{c}`" for c in monotonic)
    previous = ", ".join(
        f"LAG(`{c}`) OVER (ORDER BY `{DATE_COLUMN}`) AS `previous_{c}`" for c in monotonic
    )
    sql = (
        f"SELECT `{DATE_COLUMN}` AS day FROM (SELECT *, {previous} FROM `{table}`) "
        f"WHERE {decreases} ORDER BY day"
    )
    days = [row["day"] for row in warehouse.run_query(sql, spec.name)]
    return not days, {"decreasing_days": _shown(days) or "none"}
