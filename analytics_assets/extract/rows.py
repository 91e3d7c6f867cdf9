"""Row validation and staging: extractor rows -> checked values -> a local parquet file.

BigQuery (and even more the emulator, which accepts NULL in REQUIRED columns) must never
see a value the declared schema does not allow, so every row is checked here, before any
write, with an error that names the extractor, the day, the row and the field. Valid rows
are written in fixed-size chunks to a parquet file with the exact BigQuery types, so a day
of millions of rows is held as Python objects at most one chunk at a time.

A chunk is first checked column by column (the set of value types, the extremes of the
timestamps, pyarrow's own range checks), which proves a valid chunk valid at a fraction
of the cost of checking each value; a chunk the bulk check cannot prove valid is checked
row by row, which finds the first bad row and raises exactly as if no bulk check existed.
pyarrow is imported when the first rows are checked, not when the code location loads.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analytics_assets.extract.schema import Column, ExtractorKind, TableSpec

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq

CHUNK_ROWS = 50_000
#: Below this many rows a chunk is checked row by row only (a date-aggregated day has one).
BULK_MIN_ROWS = 64

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_NUMERIC_MAX_INTEGER_DIGITS = 29
_NUMERIC_MAX_SCALE = 9


@functools.cache
def arrow_types() -> dict[str, pa.DataType]:
    """The arrow type each BigQuery type is staged as."""
    import pyarrow as pa

    return {
        "BOOL": pa.bool_(),
        "INT64": pa.int64(),
        "FLOAT64": pa.float64(),
        "NUMERIC": pa.decimal128(38, 9),
        "STRING": pa.string(),
        "BYTES": pa.binary(),
        "DATE": pa.date32(),
        "TIMESTAMP": pa.timestamp("us", tz="UTC"),
    }


class RowValidationError(ValueError):
    """A row an extractor yielded does not fit the declared schema."""


class _BadValue(ValueError):
    pass


def _type_name(value: Any) -> str:
    return type(value).__name__


def _check_int(value: Any) -> int:
    if type(value) is not int:
        raise _BadValue(f"expected int, got {_type_name(value)} {value!r}")
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise _BadValue(f"{value} does not fit in INT64")
    return value


def _check_float(value: Any) -> float:
    if type(value) not in (float, int):
        raise _BadValue(f"expected float, got {_type_name(value)} {value!r}")
    return float(value)


def _check_numeric(value: Any) -> Decimal:
    if type(value) is int:
        value = Decimal(value)
    if not isinstance(value, Decimal):
        raise _BadValue(f"expected Decimal, got {_type_name(value)} {value!r}")
    try:
        _, digits, exponent = value.as_tuple()
    except InvalidOperation:  # pragma: no cover - as_tuple never raises for a Decimal
        raise _BadValue(f"{value!r} is not a number") from None
    if not value.is_finite() or not isinstance(exponent, int):
        raise _BadValue(f"{value} is not a finite number")
    scale = max(0, -exponent)
    if scale > _NUMERIC_MAX_SCALE:
        raise _BadValue(f"{value} has {scale} decimal places; NUMERIC keeps at most 9")
    if len(digits) + exponent > _NUMERIC_MAX_INTEGER_DIGITS:
        raise _BadValue(f"{value} has more than 29 integer digits; NUMERIC cannot hold it")
    return value


def _check_bool(value: Any) -> bool:
    if type(value) is not bool:
        raise _BadValue(f"expected bool, got {_type_name(value)} {value!r}")
    return value


def _check_str(value: Any) -> str:
    if type(value) is not str:
        raise _BadValue(f"expected str, got {_type_name(value)} {value!r}")
    return value


def _check_bytes(value: Any) -> bytes:
    if type(value) is not bytes:
        raise _BadValue(f"expected bytes, got {_type_name(value)} {value!r}")
    return value


def _check_date(value: Any) -> dt.date:
    if type(value) is not dt.date:
        raise _BadValue(f"expected datetime.date, got {_type_name(value)} {value!r}")
    return value


def _check_timestamp(value: Any) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise _BadValue(f"expected datetime.datetime, got {_type_name(value)} {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise _BadValue(f"naive datetime {value.isoformat()}: give it a time zone")
    return value.astimezone(dt.UTC)


_CHECKS: dict[str, Callable[[Any], Any]] = {
    "BOOL": _check_bool,
    "INT64": _check_int,
    "FLOAT64": _check_float,
    "NUMERIC": _check_numeric,
    "STRING": _check_str,
    "BYTES": _check_bytes,
    "DATE": _check_date,
    "TIMESTAMP": _check_timestamp,
}


def check_value(column: Column, value: Any) -> Any:
    """The value as stored, or :class:`_BadValue` saying why it does not fit ``column``."""
    if value is None:
        if not column.nullable:
            raise _BadValue("None in a REQUIRED field (annotate it `X | None` to allow NULL)")
        return None
    if column.bigquery_type == "FLOAT64" and isinstance(value, float) and math.isnan(value):
        return value
    return _CHECKS[column.bigquery_type](value)


def arrow_schema(spec: TableSpec) -> pa.Schema:
    import pyarrow as pa

    types = arrow_types()
    return pa.schema(
        [pa.field(c.name, types[c.bigquery_type], nullable=c.nullable) for c in spec.columns]
    )


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
            values = [None if v is None else _check_numeric(v) for v in values]
        except _BadValue:
            return None
    try:
        # pyarrow refuses what check_value refuses here: INT64 overflow, inexact int->float.
        return pa.array(values, type=arrow_types()[kind])
    except (pa.ArrowException, OverflowError, TypeError, ValueError):
        return None


@dataclass
class StagedRows:
    """Validated rows of one or more days, waiting in a parquet file for the warehouse."""

    spec: TableSpec
    path: Path
    days: list[dt.date] = field(default_factory=list)
    rows_per_day: dict[dt.date, int] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows_per_day.values())


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
        self._fields = [(c.name, c, _CHECKS[c.bigquery_type]) for c in self._user_columns]
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
        return [
            pa.array([values[index] for values in checked], type=arrow_type)
            for index, arrow_type in enumerate(self._types)
        ]

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
                f"got {_type_name(row)}"
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
            except _BadValue as problem:
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


class RowStager:
    """Validates rows day by day and appends them, chunk by chunk, to one parquet file."""

    def __init__(self, spec: TableSpec, row_type: type, extractor_name: str, path: Path) -> None:
        self.spec = spec
        self.staged = StagedRows(spec=spec, path=path)
        self._validator = RowValidator(spec, row_type, extractor_name)
        self._schema = arrow_schema(spec)
        self._writer: pq.ParquetWriter | None = None
        self._batches: list[pa.RecordBatch] = []
        self._buffered = 0

    def __enter__(self) -> RowStager:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def add_day(
        self, day: dt.date, window: tuple[dt.datetime, dt.datetime], rows: Iterable[Any]
    ) -> int:
        """Validate and stage the rows of one day; return how many there were.

        Rows are read a chunk at a time. If reading them fails, the rows read before the
        failure are checked first, so a bad row is reported before the reading error, as
        when each row was checked as soon as it came.
        """
        import pyarrow as pa

        count = 0
        iterator = iter(rows)
        while True:
            with _collector_paused():
                chunk, failure = _take(iterator, CHUNK_ROWS)
                if chunk:
                    arrays = self._validator.batch_arrays(day, window, chunk, count + 1)
                    self._add_batch(pa.RecordBatch.from_arrays(arrays, schema=self._schema))
                    count += len(chunk)
            if failure is not None:
                raise failure
            if len(chunk) < CHUNK_ROWS:
                break
        self._validator.check_count(day, count)
        self.staged.days.append(day)
        self.staged.rows_per_day[day] = count
        return count

    def _add_batch(self, batch: pa.RecordBatch) -> None:
        self._batches.append(batch)
        self._buffered += batch.num_rows
        if self._buffered >= CHUNK_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._buffered:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self._writer is None:
            self._writer = pq.ParquetWriter(self.staged.path, self._schema)
        self._writer.write_table(pa.Table.from_batches(self._batches, schema=self._schema))
        self._batches = []
        self._buffered = 0

    def close(self) -> StagedRows:
        """Write what is buffered and close the file; return what was staged."""
        self._flush()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        return self.staged


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a chunk of rows is read and staged.

    A chunk is tens of thousands of new objects, without cycles, that live until the chunk
    is staged: the collector would scan them (and the rest of the heap) over and over for
    nothing, a fifth of the staging time of a big table. Reference counting still frees
    them; collection resumes after the chunk.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _take(iterator: Iterator[Any], size: int) -> tuple[list[Any], Exception | None]:
    """Up to ``size`` items of ``iterator``, and the exception that stopped it early, if any."""
    taken: list[Any] = []
    try:
        for item in iterator:
            taken.append(item)
            if len(taken) == size:
                break
    except Exception as error:
        return taken, error
    return taken, None
