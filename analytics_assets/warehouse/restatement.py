"""Which staged days differ from the table's: a day BigQuery holds as staged is not rewritten.

Every day a run writes is compared with the table before the replace, in BigQuery itself
and without reading a row out of it:

1. the rows each day holds in the table (one ``COUNT(*)`` per day) against the rows staged
   for it, counted while staging: a day the table holds no row of is ``new`` (or, staged
   empty too, ``unchanged``); a day whose counts differ is ``changed``;
2. only where both counts are equal and not zero, a fingerprint of each side, computed by
   one query with the same SQL over the table's days and the staging table: per day, the
   sum of every row's ``FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(<columns in declared
   order>)))``. A sum does not depend on the order of the rows and, unlike ``BIT_XOR``,
   does not cancel a duplicated row; it is summed as two 32-bit halves so that it never
   overflows INT64 (up to 2^31 rows a day) and stays exact. Both sides have the declared
   schema (the staging table is created from it, the table is checked against it) and
   went through the same parquet load, so equal values serialise to the same JSON on
   real BigQuery as on the emulator; two different days of as many rows share a sum
   with a probability of about 2^-64.

Only ``new`` and ``changed`` days are then replaced (:mod:`.day_replace`); a run whose
days are all ``unchanged`` sends no DML statement at all. Comparing costs a read of the
days compared (what the MERGE reads anyway) and a staging load, which BigQuery does not bill.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any

from analytics_assets.extract.schema import DATE_COLUMN
from analytics_assets.warehouse.sql import changed_days_sql, day_counts_sql

#: The metadata key of each written day: a :class:`Restated` value.
RESTATED_KEY = "restated"
#: Runs a query and gives its rows (each indexed by column name).
Query = Callable[[str], Iterable[Any]]


class Restated(StrEnum):
    """What writing a day did to the table: the day's ``restated`` metadata."""

    #: The table held no row of the day; now it holds the staged ones.
    NEW = "new"
    #: The table held other rows for the day; they were replaced.
    CHANGED = "changed"
    #: The table already held exactly the staged rows: nothing was written.
    UNCHANGED = "unchanged"


def by_counts(
    staged: Mapping[dt.date, int], held: Mapping[dt.date, int]
) -> dict[dt.date, Restated | None]:
    """Each staged day's fate from its row counts alone; None where the rows must be compared."""
    fates: dict[dt.date, Restated | None] = {}
    for day, rows in staged.items():
        before = held.get(day, 0)
        if before == 0:
            fates[day] = Restated.NEW if rows else Restated.UNCHANGED
        elif before != rows:
            fates[day] = Restated.CHANGED
        else:
            fates[day] = None
    return fates


def compare_days(
    query: Query,
    table_id: str,
    staging_id: str | None,
    columns: Sequence[str],
    staged: Mapping[dt.date, int],
) -> dict[dt.date, Restated]:
    """Each of the ``staged`` days (with its staged row count) compared with ``table_id``;
    ``staging_id`` holds the staged rows (None when there are none)."""
    held = {row[DATE_COLUMN]: row["rows"] for row in query(day_counts_sql(table_id, list(staged)))}
    fates = by_counts(staged, held)
    undecided = [day for day, fate in fates.items() if fate is None]
    changed: set[dt.date] = set()
    if undecided and staging_id is not None:
        sql = changed_days_sql(table_id, staging_id, columns, undecided)
        changed = {row[DATE_COLUMN] for row in query(sql)}
    return {
        day: fate or (Restated.CHANGED if day in changed else Restated.UNCHANGED)
        for day, fate in fates.items()
    }


def days_to_write(fates: Mapping[dt.date, Restated]) -> list[dt.date]:
    """The days the replace must write: the new and the changed ones, in order."""
    return sorted(day for day, fate in fates.items() if fate is not Restated.UNCHANGED)


def describe(fates: Mapping[dt.date, Restated]) -> str:
    """``3 day(s): 1 new, 1 changed, 1 unchanged``, for the run's log."""
    counts = {fate: sum(1 for f in fates.values() if f is fate) for fate in Restated}
    return f"{len(fates)} day(s): " + ", ".join(f"{n} {fate.value}" for fate, n in counts.items())
