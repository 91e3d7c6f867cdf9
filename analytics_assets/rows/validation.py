"""Row validation: an extractor's rows, day by day, checked against its table's declaration.

BigQuery (and even more the emulator, which accepts NULL in REQUIRED columns) must never
see a value the declared schema does not allow, so every row is checked here, before any
write, with an error that names the extractor, the day, the row and the field.

A chunk of many rows is first checked column by column (the set of value types, the
extremes of the timestamps, pyarrow's own range checks), which proves a valid chunk valid
at a fraction of the cost of checking each value; a chunk the bulk check cannot prove
valid is checked row by row, which finds the first bad row and raises exactly as if no
bulk check existed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from analytics_assets.extract.schema import Column, ExtractorKind, TableSpec
from analytics_assets.rows.arrow import arrow_types
from analytics_assets.rows.values import (
    VALUE_CHECKS,
    BadValue,
    RowValidationError,
    check_numeric,
    check_value,
    type_name,
)

if TYPE_CHECKING:
    import pyarrow as pa

#: Below this many rows a chunk is checked row by row only (a date-aggregated day has one).
BULK_MIN_ROWS = 64


#: Exact Python types a bulk-checked column may hold (check_value's rules, NULL aside).
_BULK_TYPES: dict[str, frozenset[type]] = {
    "BOOL": frozenset({bool}),
    "INT64": frozenset({int}),
    "FLOAT64": frozenset({float, int}),
    "STRING": frozenset({str}),
    "BYTES": frozenset({bytes}),
    "DATE": frozenset({dt.date}),
    "TIMESTAMP": frozenset({dt.datetime}),
    "NUMERIC": frozenset({Decimal, int}),
}
_NONE_TYPE = type(None)


def _aware_extremes(values: Sequence[Any]) -> tuple[dt.datetime, dt.datetime] | None:
    """The earliest and latest of non-NULL datetimes if all are aware, else None.

    ``min`` compares every value with the running minimum, and comparing a naive datetime
    with an aware one raises: all aware or all naive, and all naive is told by the result.
    """
    present = [v for v in values if v is not None]
    if not present:
        return None
    try:
        lowest, highest = min(present), max(present)
    except TypeError:
        return None
    return (lowest, highest) if lowest.utcoffset() is not None else None


def _bulk_array(column: Column, values: list[Any]) -> pa.Array | None:
    """``values`` as the column's arrow array if they provably pass check_value; else None."""
    import pyarrow as pa

    types = set(map(type, values))
    if _NONE_TYPE in types:
        if not column.nullable:
            return None
        types.discard(_NONE_TYPE)
    kind = column.bigquery_type
    if not types <= _BULK_TYPES[kind]:
        return None
    if kind == "TIMESTAMP" and types and _aware_extremes(values) is None:
        return None
    if kind == "NUMERIC":
        try:
            values = [None if v is None else check_numeric(v) for v in values]
        except BadValue:
            return None
    try:
        # pyarrow refuses what check_value refuses here: INT64 overflow, inexact int->float.
        return pa.array(values, type=arrow_types()[kind])
    except (pa.ArrowException, OverflowError, TypeError, ValueError):
        return None


def _arrow_refusal(value: Any, arrow_type: pa.DataType) -> Exception | None:
    """Why arrow refuses ``value`` as ``arrow_type``, or None if it takes it."""
    import pyarrow as pa

    try:
        pa.array([value], type=arrow_type)
    except (pa.ArrowException, OverflowError, TypeError, ValueError) as refused:
        return refused
    return None


class RowValidator:
    """Checks an extractor's rows, day by day, against its table; yields the values as stored.

    The one validation of the package: the real run stages what it yields (:class:`RowStager`),
    the dry run (``analytics-assets print-extract``) prints it.
    """

    def __init__(self, spec: TableSpec, row_type: type, extractor_name: str) -> None:
        self.spec = spec
        self.row_type = row_type
        self.extractor_name = extractor_name
        self._user_columns = spec.columns[1:]
        # Resolved once: this runs for every value of every row (millions on a big day).
        self._fields = [(c.name, c, VALUE_CHECKS[c.bigquery_type]) for c in self._user_columns]
        self._types = [arrow_types()[c.bigquery_type] for c in spec.columns]

    def batch_arrays(
        self,
        day: dt.date,
        window: tuple[dt.datetime, dt.datetime],
        rows: Sequence[Any],
        first_number: int = 1,
    ) -> list[pa.Array]:
        """The checked columns of ``rows`` of ``day`` as arrow arrays, ``date`` first.

        ``first_number``: the number of the first row within its day, for error messages.
        Raises :class:`RowValidationError` at the first bad row, like :meth:`day_values`
        (the count of a date-aggregated day is the caller's to check).
        """
        import pyarrow as pa

        if len(rows) >= BULK_MIN_ROWS:
            arrays = self._bulk_arrays(day, window, rows)
            if arrays is not None:
                return arrays
        checked = [
            self._row_values(day, window, number, row)
            for number, row in enumerate(rows, start=first_number)
        ]
        arrays = []
        for index, arrow_type in enumerate(self._types):
            column = [values[index] for values in checked]
            try:
                arrays.append(pa.array(column, type=arrow_type))
            except (pa.ArrowException, OverflowError, TypeError, ValueError) as error:
                raise self._unstorable(day, first_number, index, column, error) from error
        return arrays

    def _unstorable(
        self, day: dt.date, first_number: int, index: int, column: list[Any], error: Exception
    ) -> RowValidationError:
        """The error naming the first value of ``column`` that arrow refuses (a safety net:
        the value checks are meant to refuse every such value first)."""
        column_def, arrow_type = self.spec.columns[index], self._types[index]
        number, refused = next(
            (
                (number, problem)
                for number, value in enumerate(column, start=first_number)
                if (problem := _arrow_refusal(value, arrow_type)) is not None
            ),
            (first_number, error),
        )
        return RowValidationError(
            f"{self._where(day, number)}, field {column_def.name!r}: cannot be stored as "
            f"{column_def.bigquery_type}: {type(refused).__name__}: {refused}"
        )

    def _bulk_arrays(
        self, day: dt.date, window: tuple[dt.datetime, dt.datetime], rows: Sequence[Any]
    ) -> list[pa.Array] | None:
        import pyarrow as pa

        if set(map(type, rows)) != {self.row_type}:
            return None
        arrays = [pa.array([day] * len(rows), type=pa.date32())]
        for name, column, _ in self._fields:
            array = _bulk_array(column, list(map(attrgetter(name), rows)))
            if array is None:
                return None
            arrays.append(array)
        field = self.spec.timestamp_field
        if field is not None:
            moments = list(map(attrgetter(field), rows))
            extremes = None if None in moments else _aware_extremes(moments)
            if extremes is None or not window[0] <= extremes[0] <= extremes[1] < window[1]:
                return None
        return arrays

    def day_values(
        self, day: dt.date, window: tuple[dt.datetime, dt.datetime], rows: Iterable[Any]
    ) -> Iterator[list[Any]]:
        """The checked values of each row of ``day``, in column order (``date`` first).

        Raises :class:`RowValidationError` at the first bad row, or once the rows are
        exhausted if a date-aggregated extractor did not yield exactly one.
        """
        count = 0
        for count, row in enumerate(rows, start=1):
            yield self._row_values(day, window, count, row)
        self.check_count(day, count)

    def check_count(self, day: dt.date, count: int) -> None:
        """Refuse a date-aggregated day that did not yield exactly one row."""
        if self.spec.kind is ExtractorKind.DATE_AGGREGATED and count != 1:
            raise RowValidationError(
                f"extractor {self.extractor_name!r}, day {day}: a date-aggregated extractor "
                f"must yield exactly one row per day, it yielded {count}"
            )

    def _where(self, day: dt.date, number: int) -> str:
        return f"extractor {self.extractor_name!r}, day {day}, row {number}"

    def _row_values(
        self, day: dt.date, window: tuple[dt.datetime, dt.datetime], number: int, row: Any
    ) -> list[Any]:
        if type(row) is not self.row_type:
            raise RowValidationError(
                f"{self._where(day, number)}: expected a {self.row_type.__name__} instance, "
                f"got {type_name(row)}"
            )
        values: list[Any] = [day]
        append = values.append
        for name, column, check in self._fields:
            value = getattr(row, name)
            try:
                # check_value's own cases (NULL, NaN) are the rare ones: skip it otherwise.
                if value is None or type(value) is float:
                    append(check_value(column, value))
                else:
                    append(check(value))
            except BadValue as problem:
                raise RowValidationError(
                    f"{self._where(day, number)}, field {name!r}: {problem}"
                ) from None
        if self.spec.timestamp_field is not None:
            moment = getattr(row, self.spec.timestamp_field)
            if not window[0] <= moment < window[1]:
                self._check_in_window(self._where(day, number), moment, window)
        return values

    def _check_in_window(
        self, where: str, moment: dt.datetime, window: tuple[dt.datetime, dt.datetime]
    ) -> None:
        start, end = window
        if not start <= moment < end:
            raise RowValidationError(
                f"{where}, field {self.spec.timestamp_field!r}: {moment.isoformat()} is outside "
                f"the day's window [{start.isoformat()}, {end.isoformat()})"
            )
