"""The SQL of the ``<table>_delta`` views: day-over-day differences of differentiated fields.

Columns: ``date``, then each differentiated field in declaration order (nothing else).
For a day D and a field x:

* the previous calendar day D-1 has a row: ``x(D) - x(D-1)``;
* D-1 has no row (D is the first day, or the day after a gap): ``x(D)``, the raw value,
  because there is nothing to subtract; a gap is visible as such in the base table and
  in the "no missing days" check, never silently merged into the next day;
* ``x(D)`` is NULL, or ``x(D-1)`` is NULL on an existing D-1 row: NULL, because the
  difference is unknown (a NULL is not a zero).

The SQL is a deterministic function of the table spec (same text on every run), so
``CREATE OR REPLACE VIEW`` is idempotent.
"""

from __future__ import annotations

from analytics_assets.extract.schema import DATE_COLUMN, TableSpec


def delta_view_sql(spec: TableSpec, table_id: str) -> str:
    if not spec.differentiated:
        raise ValueError(f"table {spec.name} has no differentiated field: it has no delta view")
    differences = ",\n".join(
        f"  CASE WHEN previous.`{DATE_COLUMN}` IS NULL THEN current_day.`{c.name}`\n"
        f"       ELSE current_day.`{c.name}` - previous.`{c.name}` END AS `{c.name}`"
        for c in spec.differentiated
    )
    return (
        f"SELECT\n  current_day.`{DATE_COLUMN}` AS `{DATE_COLUMN}`,\n{differences}\n"
        f"FROM `{table_id}` AS current_day\n"
        f"LEFT JOIN `{table_id}` AS previous\n"
        f"  ON previous.`{DATE_COLUMN}` = DATE_SUB(current_day.`{DATE_COLUMN}`, INTERVAL 1 DAY)"
    )
