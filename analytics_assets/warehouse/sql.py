"""The SQL text the warehouse sends, built in one place from checked identifiers.

Every identifier pasted here (project, dataset, table, column) was validated before
(:func:`~analytics_assets.extract.schema.check_identifier`, ``check_project_id``); days are
DATE literals. The day-replace script is one BigQuery transaction: ``BEGIN TRANSACTION``,
DML only, an explicit ``COMMIT TRANSACTION`` (BigQuery rolls back a script that ends
without one and refuses DDL inside one; the emulator does neither, so tests hold the
text to these rules).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from analytics_assets.extract.schema import DATE_COLUMN


def days_predicate(days: Sequence[dt.date]) -> str:
    """SQL selecting ``days`` on the date column; a contiguous range becomes one BETWEEN."""
    ordered = sorted(set(days))
    if not ordered:
        raise ValueError("no day to select")
    first, last = ordered[0], ordered[-1]
    if (last - first).days + 1 == len(ordered):
        return f"`{DATE_COLUMN}` BETWEEN DATE '{first.isoformat()}' AND DATE '{last.isoformat()}'"
    listed = ", ".join(f"DATE '{d.isoformat()}'" for d in ordered)
    return f"`{DATE_COLUMN}` IN ({listed})"


def replace_script(
    table_id: str, staging_id: str | None, columns: Sequence[str], days: Sequence[dt.date]
) -> str:
    column_list = ", ".join(f"`{c}`" for c in columns)
    insert = (
        f"INSERT INTO `{table_id}` ({column_list}) SELECT {column_list} FROM `{staging_id}`;\n"
        if staging_id
        else ""
    )
    return (
        "BEGIN TRANSACTION;\n"
        f"DELETE FROM `{table_id}` WHERE {days_predicate(days)};\n"
        f"{insert}"
        "COMMIT TRANSACTION;"
    )
