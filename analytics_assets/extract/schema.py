"""The row schema: dataclass fields -> typed BigQuery columns, table naming, the column marker.

A row dataclass is the whole contract between an extractor and its table: each field is
one column, its annotation gives the BigQuery type, ``X | None`` makes it NULLABLE and
everything else REQUIRED. ``column(differentiate=True)`` marks a cumulative number that
gets a day-over-day difference in the ``<table>_delta`` view. Every mistake is reported
when the extractor class is defined, never in the middle of a run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
import types
import typing
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from analytics_assets.extract.names import (
    MAX_COLUMN_DESCRIPTION,
    MAX_TABLE_DESCRIPTION,
    SchemaError,
    check_dagster_name,
    check_description_length,
    check_identifier,
)

DATE_COLUMN = "date"

PYTHON_TO_BIGQUERY: dict[type, str] = {
    bool: "BOOL",
    int: "INT64",
    float: "FLOAT64",
    Decimal: "NUMERIC",
    str: "STRING",
    bytes: "BYTES",
    dt.date: "DATE",
    dt.datetime: "TIMESTAMP",
}
NUMERIC_TYPES = frozenset({"INT64", "FLOAT64", "NUMERIC"})

_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")

_OPTIONS_KEY = "analytics_assets"


class ExtractorKind(enum.Enum):
    DATE_AGGREGATED = "date_aggregated"
    INDIVIDUAL_ROWS = "individual_rows"


@dataclass(frozen=True)
class ColumnOptions:
    differentiate: bool = False
    monotonic: bool = False
    description: str | None = None


#: The system's day column: every table is DAY-partitioned on it.
DATE_OPTIONS = ColumnOptions(description="the local day the row belongs to (the partition)")


def column(
    *,
    differentiate: bool = False,
    monotonic: bool | None = None,
    description: str | None = None,
    default: Any = dataclasses.MISSING,
) -> Any:
    """Declare a row field with options; a plain annotation is a column too.

    ``differentiate=True``: a cumulative number; the ``<table>_delta`` view shows its
    difference with the previous calendar day. ``monotonic``: the value never decreases
    (checked, as a warning); defaults to ``differentiate``.
    """
    options = ColumnOptions(
        differentiate=differentiate,
        monotonic=differentiate if monotonic is None else monotonic,
        description=description,
    )
    return dataclasses.field(default=default, metadata={_OPTIONS_KEY: options})


@dataclass(frozen=True)
class Column:
    """One BigQuery column derived from a dataclass field (or added by the system)."""

    name: str
    bigquery_type: str
    nullable: bool
    options: ColumnOptions = ColumnOptions()

    @property
    def mode(self) -> str:
        return "NULLABLE" if self.nullable else "REQUIRED"

    @property
    def differentiate(self) -> bool:
        return self.options.differentiate


@dataclass(frozen=True)
class TableSpec:
    """Everything the warehouse needs to know about one extractor's table."""

    name: str
    kind: ExtractorKind
    columns: tuple[Column, ...]
    row_fields: tuple[str, ...]
    timestamp_field: str | None
    description: str

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def differentiated(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.differentiate)

    @property
    def delta_view_name(self) -> str:
        return f"{self.name}_delta"

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def snake_case(class_name: str) -> str:
    """``EmailMessage`` -> ``email_message``, ``HTTPResponse2xx`` -> ``http_response_2_xx``."""
    return "_".join(word.lower() for word in _WORDS.findall(class_name))


def _unwrap_optional(annotation: Any, where: str) -> tuple[Any, bool]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = typing.get_args(annotation)
        non_null = [m for m in members if m is not type(None)]
        if len(non_null) != 1:
            raise SchemaError(f"{where}: ambiguous type {annotation}; use one type, or X | None")
        return non_null[0], len(non_null) != len(members)
    return annotation, False


def _bigquery_type(python_type: Any, where: str) -> str:
    bigquery_type = PYTHON_TO_BIGQUERY.get(python_type) if isinstance(python_type, type) else None
    if bigquery_type is None:
        supported = ", ".join(sorted(t.__name__ for t in PYTHON_TO_BIGQUERY))
        raise SchemaError(f"{where}: unmappable type {python_type!r}; supported: {supported}")
    return bigquery_type


def _field_column(row_type: type, field: dataclasses.Field[Any], annotation: Any) -> Column:
    where = f"{row_type.__name__}.{field.name}"
    check_identifier(field.name, f"field {where}:")
    python_type, nullable = _unwrap_optional(annotation, where)
    bigquery_type = _bigquery_type(python_type, where)
    options = field.metadata.get(_OPTIONS_KEY, ColumnOptions())
    check_description_length(options.description or "", MAX_COLUMN_DESCRIPTION, where)
    if (options.differentiate or options.monotonic) and bigquery_type not in NUMERIC_TYPES:
        raise SchemaError(
            f"{where}: only numbers (int, float, Decimal) can be differentiated or monotonic, "
            f"not {python_type.__name__}"
        )
    return Column(field.name, bigquery_type, nullable, options)


def _resolved_annotations(row_type: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(row_type)
    except NameError as error:
        raise SchemaError(f"{row_type.__name__}: cannot resolve an annotation ({error})") from None


def row_columns(row_type: type) -> list[Column]:
    """The columns of a row dataclass's fields, in declaration order (no ``date`` column)."""
    annotations = _resolved_annotations(row_type)
    fields = dataclasses.fields(row_type)
    if not fields:
        raise SchemaError(f"{row_type.__name__} declares no field")
    return [_field_column(row_type, f, annotations[f.name]) for f in fields]


def build_table_spec(
    row_type: type,
    kind: ExtractorKind,
    *,
    table_name: str | None = None,
    timestamp_field: str = "timestamp",
    description: str = "",
) -> TableSpec:
    """Turn a row dataclass into a :class:`TableSpec`, or raise one clear :class:`SchemaError`."""
    if not (isinstance(row_type, type) and dataclasses.is_dataclass(row_type)):
        raise SchemaError(f"{row_type!r} is not a dataclass: rows must be @dataclass classes")
    name = check_identifier(
        table_name if table_name is not None else snake_case(row_type.__name__), "table name"
    )
    check_dagster_name(name, "table name")
    check_description_length(description, MAX_TABLE_DESCRIPTION, f"table {name}")
    user_columns = row_columns(row_type)
    fields = dataclasses.fields(row_type)
    if any(c.name == DATE_COLUMN for c in user_columns):
        raise SchemaError(
            f"{row_type.__name__}: a field may not be named {DATE_COLUMN!r}; the system adds "
            "that column (the local day of the row)"
        )
    date_column = Column(DATE_COLUMN, "DATE", nullable=False, options=DATE_OPTIONS)
    if kind is ExtractorKind.INDIVIDUAL_ROWS:
        differentiated = [c.name for c in user_columns if c.differentiate]
        if differentiated:
            raise SchemaError(
                f"{row_type.__name__}: differentiated fields {differentiated} are only allowed "
                "on date-aggregated extractors"
            )
        by_name = {c.name: c for c in user_columns}
        if timestamp_field not in by_name:
            raise SchemaError(
                f"{row_type.__name__}: an individual-rows extractor needs a field named "
                f"{timestamp_field!r} (set timestamp_field to use another name)"
            )
        stamp = by_name[timestamp_field]
        if stamp.bigquery_type != "TIMESTAMP" or stamp.nullable:
            raise SchemaError(
                f"{row_type.__name__}.{timestamp_field}: must be a datetime.datetime "
                "(REQUIRED, time-zone aware)"
            )
    return TableSpec(
        name=name,
        kind=kind,
        columns=(date_column, *user_columns),
        row_fields=tuple(f.name for f in fields),
        timestamp_field=timestamp_field if kind is ExtractorKind.INDIVIDUAL_ROWS else None,
        description=description,
    )
