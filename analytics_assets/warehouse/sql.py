"""The SQL text the warehouse sends, built in one place from checked identifiers.

Every identifier pasted here (project, dataset, table, column) was validated before
(:func:`~analytics_assets.extract.names.check_identifier`, ``check_project_id``); days are
DATE literals. The day-replace script is one BigQuery transaction: ``BEGIN TRANSACTION``,
DML only (one MERGE), an explicit ``COMMIT TRANSACTION`` (BigQuery rolls back a script
that ends without one and refuses DDL inside one; the emulator does neither, so tests
hold the text to these rules).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from analytics_assets.extract.schema import DATE_COLUMN


def days_predicate(days: Sequence[dt.date], table: str | None = None) -> str:
    """SQL selecting ``days`` on the date column (of ``table``, an alias, if given); a
    contiguous range becomes one BETWEEN."""
    ordered = sorted(set(days))
    if not ordered:
        raise ValueError("no day to select")
    column = f"{table}.`{DATE_COLUMN}`" if table else f"`{DATE_COLUMN}`"
    first, last = ordered[0], ordered[-1]
    if (last - first).days + 1 == len(ordered):
        return f"{column} BETWEEN DATE '{first.isoformat()}' AND DATE '{last.isoformat()}'"
    listed = ", ".join(f"DATE '{d.isoformat()}'" for d in ordered)
    return f"{column} IN ({listed})"


def replace_script(
    table_id: str, staging_id: str | None, columns: Sequence[str], days: Sequence[dt.date]
) -> str:
    """The transaction replacing ``days`` of ``table_id`` with the rows of ``staging_id``.

    With rows, the whole replace is ONE statement, a MERGE that deletes the days' old
    rows and inserts the staged ones: one DML statement is atomic by itself, on BigQuery
    and on the embedded emulator alike, which runs a script's statements one by one and
    loses the days if it dies between a DELETE and its INSERT. The join key is never
    equal (a NULL date), so every target row of the days is "not matched by source"
    (deleted) and every staged row "not matched" (inserted), with one hash join and no
    comparison of rows. Without rows, a DELETE (one statement too). Only the staged rows of
    ``days`` are inserted: the staging table may hold others, of days left as they were.
    """
    if staging_id is None:
        change = f"DELETE FROM `{table_id}` WHERE {days_predicate(days)};\n"
    else:
        column_list = ", ".join(f"`{c}`" for c in columns)
        values = ", ".join(f"source.`{c}`" for c in columns)
        key = "never_equal"
        while key in columns:  # a name no column of the table has
            key = f"_{key}"
        change = (
            f"MERGE `{table_id}` AS target\n"
            f"USING (SELECT {column_list}, CAST(NULL AS DATE) AS `{key}` "
            f"FROM `{staging_id}` WHERE {days_predicate(days)}) AS source\n"
            f"ON target.`{DATE_COLUMN}` = source.`{key}`\n"
            f"WHEN NOT MATCHED BY SOURCE AND {days_predicate(days, 'target')} THEN DELETE\n"
            f"WHEN NOT MATCHED BY TARGET THEN INSERT ({column_list}) VALUES ({values});\n"
        )
    return f"BEGIN TRANSACTION;\n{change}COMMIT TRANSACTION;"


def day_counts_sql(table_id: str, days: Sequence[dt.date]) -> str:
    """The rows ``table_id`` holds on each of ``days`` that has any (``date``, ``rows``)."""
    return (
        f"SELECT `{DATE_COLUMN}`, COUNT(*) AS `rows` FROM `{table_id}` "
        f"WHERE {days_predicate(days)} GROUP BY `{DATE_COLUMN}`"
    )


def _fingerprints(table_id: str, columns: Sequence[str], days: Sequence[dt.date]) -> str:
    """Per day, the sum of every row's FARM_FINGERPRINT as two 32-bit halves (``high``, ``low``)
    that never overflow INT64: ``high`` * 2^32 + ``low`` is the exact sum."""
    row = ", ".join(f"`{c}`" for c in columns)
    return (
        f"SELECT `{DATE_COLUMN}`, SUM(`fp` >> 32) AS `high`, SUM(`fp` & 0xFFFFFFFF) AS `low` "
        f"FROM (SELECT `{DATE_COLUMN}`, FARM_FINGERPRINT(TO_JSON_STRING(STRUCT({row}))) AS `fp` "
        f"FROM `{table_id}` WHERE {days_predicate(days)}) GROUP BY `{DATE_COLUMN}`"
    )


def changed_days_sql(
    table_id: str, staging_id: str, columns: Sequence[str], days: Sequence[dt.date]
) -> str:
    """The days among ``days`` whose rows in ``table_id`` and ``staging_id`` differ, by the
    fingerprint of their rows (``columns`` in the declared order, the same SQL on both sides).
    Only days holding as many rows on both sides are asked about."""
    return (
        f"WITH `held` AS ({_fingerprints(table_id, columns, days)}),\n"
        f"`staged` AS ({_fingerprints(staging_id, columns, days)})\n"
        f"SELECT COALESCE(`held`.`{DATE_COLUMN}`, `staged`.`{DATE_COLUMN}`) AS `{DATE_COLUMN}` "
        "FROM `held` FULL OUTER JOIN `staged` "
        f"ON `held`.`{DATE_COLUMN}` = `staged`.`{DATE_COLUMN}`\n"
        "WHERE `held`.`high` IS DISTINCT FROM `staged`.`high` "
        "OR `held`.`low` IS DISTINCT FROM `staged`.`low`"
    )
