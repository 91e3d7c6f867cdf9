"""Row validation and staging: extractor rows -> checked values -> a local parquet file.

BigQuery (and even more the emulator, which accepts NULL in REQUIRED columns) must never
see a value the declared schema does not allow, so every row is checked here, before any
write, with an error that names the extractor, the day, the row and the field. Valid rows
are written in fixed-size chunks to a parquet file with the exact BigQuery types, so a day
of millions of rows is held as Python objects at most one chunk at a time.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from analytics_assets.extract.schema import Column, ExtractorKind, TableSpec

CHUNK_ROWS = 50_000

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_NUMERIC_MAX_INTEGER_DIGITS = 29
_NUMERIC_MAX_SCALE = 9

ARROW_TYPES: dict[str, pa.DataType] = {
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
    return pa.schema(
        [pa.field(c.name, ARROW_TYPES[c.bigquery_type], nullable=c.nullable) for c in spec.columns]
    )


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
        if self.spec.kind is ExtractorKind.DATE_AGGREGATED and count != 1:
            raise RowValidationError(
                f"extractor {self.extractor_name!r}, day {day}: a date-aggregated extractor "
                f"must yield exactly one row per day, it yielded {count}"
            )

    def _row_values(
        self, day: dt.date, window: tuple[dt.datetime, dt.datetime], number: int, row: Any
    ) -> list[Any]:
        where = f"extractor {self.extractor_name!r}, day {day}, row {number}"
        if type(row) is not self.row_type:
            raise RowValidationError(
                f"{where}: expected a {self.row_type.__name__} instance, got {_type_name(row)}"
            )
        values: list[Any] = [day]
        for column in self._user_columns:
            try:
                values.append(check_value(column, getattr(row, column.name)))
            except _BadValue as problem:
                raise RowValidationError(f"{where}, field {column.name!r}: {problem}") from None
        if self.spec.timestamp_field is not None:
            self._check_in_window(where, getattr(row, self.spec.timestamp_field), window)
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
        self._buffer: dict[str, list[Any]] = {name: [] for name in spec.column_names}
        self._buffered = 0

    def __enter__(self) -> RowStager:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def add_day(
        self, day: dt.date, window: tuple[dt.datetime, dt.datetime], rows: Iterable[Any]
    ) -> int:
        """Validate and stage the rows of one day; return how many there were."""
        count = 0
        for values in self._validator.day_values(day, window, rows):
            count += 1
            for name, value in zip(self.spec.column_names, values, strict=True):
                self._buffer[name].append(value)
            self._buffered += 1
            if self._buffered >= CHUNK_ROWS:
                self._flush()
        self.staged.days.append(day)
        self.staged.rows_per_day[day] = count
        return count

    def _flush(self) -> None:
        if not self._buffered:
            return
        batch = pa.RecordBatch.from_pydict(self._buffer, schema=self._schema)
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.staged.path, self._schema)
        self._writer.write_batch(batch)
        self._buffer = {name: [] for name in self.spec.column_names}
        self._buffered = 0

    def close(self) -> StagedRows:
        """Write what is buffered and close the file; return what was staged."""
        self._flush()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        return self.staged
