"""Data checks on each extractor's BigQuery table, shown as asset checks in the UI.

They run after the extract asset in the same run and look at what landed in BigQuery
for the run's days (a day, or the range of a single-run backfill):

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
from collections.abc import Sequence
from typing import Any

import dagster as dg
from dagster._core.events import DagsterEventType
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)

from analytics_assets.extract.schema import DATE_COLUMN, ExtractorKind, TableSpec
from analytics_assets.warehouse.resource import BigQueryWarehouse

ROW_COUNT_KEY = "dagster/row_count"
SHOWN_DAYS = 10


def run_days(
    run: dg.DagsterRun, partitions_def: dg.TimeWindowPartitionsDefinition
) -> list[dt.date]:
    """The local days a run wrote: its partition, or its single-run range."""
    tags = run.tags
    if PARTITION_NAME_TAG in tags:
        keys = [tags[PARTITION_NAME_TAG]]
    elif ASSET_PARTITION_RANGE_START_TAG in tags:
        keys = partitions_def.get_partition_keys_in_range(
            dg.PartitionKeyRange(
                tags[ASSET_PARTITION_RANGE_START_TAG], tags[ASSET_PARTITION_RANGE_END_TAG]
            )
        )
    else:
        keys = []
    return [dt.date.fromisoformat(key) for key in keys]


def _shown(days: Sequence[Any]) -> str:
    listed = ", ".join(str(d) for d in days[:SHOWN_DAYS])
    return listed + (f" and {len(days) - SHOWN_DAYS} more" if len(days) > SHOWN_DAYS else "")


def _rows_per_day(
    warehouse: BigQueryWarehouse, spec: TableSpec, days: Sequence[dt.date]
) -> dict[dt.date, int]:
    if not days:
        return {}
    from analytics_assets.warehouse.day_replace import days_predicate

    sql = (
        f"SELECT `{DATE_COLUMN}` AS day, COUNT(*) AS n FROM `{warehouse.table_id(spec.name)}` "
        f"WHERE {days_predicate(days)} GROUP BY day"
    )
    return {row["day"]: row["n"] for row in warehouse.run_query(sql, spec.name)}


def _source_rows_of_run(context: dg.AssetCheckExecutionContext, key: dg.AssetKey) -> dict:
    records = context.instance.get_records_for_run(
        context.run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION
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


def build_extractor_checks(
    spec: TableSpec,
    partitions_def: dg.TimeWindowPartitionsDefinition,
) -> list[dg.AssetChecksDefinition]:
    key = dg.AssetKey(spec.name)
    checks: list[dg.AssetChecksDefinition] = []

    @dg.asset_check(
        asset=key,
        name="schema_matches_declaration",
        description=(
            "The live BigQuery table has exactly the columns the row dataclass declares, "
            "its extractor kind and its differentiated fields."
        ),
    )
    def schema_matches_declaration(warehouse: BigQueryWarehouse) -> dg.AssetCheckResult:
        from analytics_assets.warehouse.tables import describe_table_drift

        live = warehouse.get_client().get_table(warehouse.table_id(spec.name))
        problems = describe_table_drift(spec, live)
        return dg.AssetCheckResult(
            passed=not problems,
            metadata={"differences": "; ".join(problems) or "none"},
        )

    checks.append(schema_matches_declaration)

    if spec.kind == ExtractorKind.DATE_AGGREGATED:

        @dg.asset_check(
            asset=key,
            name="one_row_per_day",
            description="Each day the run wrote has exactly one row.",
        )
        def one_row_per_day(
            context: dg.AssetCheckExecutionContext, warehouse: BigQueryWarehouse
        ) -> dg.AssetCheckResult:
            days = run_days(context.run, partitions_def)
            counts = _rows_per_day(warehouse, spec, days)
            wrong = [f"{d}: {counts.get(d, 0)} rows" for d in days if counts.get(d, 0) != 1]
            return dg.AssetCheckResult(
                passed=not wrong,
                metadata={"days_checked": len(days), "wrong_days": _shown(wrong) or "none"},
            )

        checks.append(one_row_per_day)
    else:

        @dg.asset_check(
            asset=key,
            name="rows_match_source",
            description="BigQuery holds, per day, as many rows as the extractor read.",
        )
        def rows_match_source(
            context: dg.AssetCheckExecutionContext, warehouse: BigQueryWarehouse
        ) -> dg.AssetCheckResult:
            source = _source_rows_of_run(context, key)
            stored = _rows_per_day(warehouse, spec, sorted(source))
            wrong = [
                f"{d}: source {n}, BigQuery {stored.get(d, 0)}"
                for d, n in sorted(source.items())
                if stored.get(d, 0) != n
            ]
            return dg.AssetCheckResult(
                passed=not wrong,
                metadata={
                    "days_checked": len(source),
                    "source_rows": sum(source.values()),
                    "bigquery_rows": sum(stored.values()),
                    "mismatches": _shown(wrong) or "none",
                },
            )

        checks.append(rows_match_source)

        return checks

    @dg.asset_check(
        asset=key,
        name="no_missing_days",
        description="Every day from the first date to the last complete day has its row.",
    )
    def no_missing_days(warehouse: BigQueryWarehouse) -> dg.AssetCheckResult:
        expected = [dt.date.fromisoformat(k) for k in partitions_def.get_partition_keys()]
        present = _rows_per_day(warehouse, spec, expected)
        missing = [d for d in expected if d not in present]
        return dg.AssetCheckResult(
            passed=not missing,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"days_expected": len(expected), "missing_days": _shown(missing) or "none"},
        )

    checks.append(no_missing_days)

    monotonic = [c.name for c in spec.columns if c.options.monotonic]
    if monotonic:

        @dg.asset_check(
            asset=key,
            name="monotonic_fields",
            description=f"{', '.join(monotonic)} never decrease from a day to the next.",
        )
        def monotonic_fields(warehouse: BigQueryWarehouse) -> dg.AssetCheckResult:
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
            return dg.AssetCheckResult(
                passed=not days,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"decreasing_days": _shown(days) or "none"},
            )

        checks.append(monotonic_fields)
    return checks
