"""JSON items -> row dataclasses, taking only the fields the row declares (an allow-list).

An API answer may carry personal data (emails, names, free text). :func:`rows_from_items`
builds each row from the row dataclass's own fields and nothing else, so a field the API
adds tomorrow cannot reach BigQuery by accident. Values are converted from their JSON form
to the declared type (ISO 8601 instants with an offset, decimals as strings) or rejected
with a message naming the item and the field.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from analytics_assets.extract.schema import row_columns
from analytics_assets.sources.pagination import lookup

RowT = TypeVar("RowT")
#: Where a field's value comes from: a dotted path in the item, or a function of the item.
FieldSource = str | Callable[[Mapping[str, Any]], Any]


class JsonItemError(ValueError):
    """An API item lacks a declared field or holds a value of the wrong kind."""


def _instant(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 instant string")
    instant = dt.datetime.fromisoformat(value)
    if instant.tzinfo is None:
        raise ValueError("the instant has no UTC offset")
    return instant


def _date(value: Any) -> dt.date:
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 date string")
    return dt.date.fromisoformat(value)


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("expected a number or a decimal string")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError("not a decimal number") from None


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("expected an integer")
    return int(value)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("expected a number")
    return float(value)


def _exactly(kind: type) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if type(value) is not kind:
            raise ValueError(f"expected {kind.__name__}")
        return value

    return convert


def _bytes(value: Any) -> bytes:
    if not isinstance(value, str):
        raise ValueError("expected base64 text")
    return base64.b64decode(value, validate=True)


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "TIMESTAMP": _instant,
    "DATE": _date,
    "NUMERIC": _decimal,
    "INT64": _integer,
    "FLOAT64": _number,
    "BOOL": _exactly(bool),
    "STRING": _exactly(str),
    "BYTES": _bytes,
}


def rows_from_items(
    row_type: type[RowT],
    items: Iterable[Mapping[str, Any]],
    fields: Mapping[str, FieldSource] | None = None,
) -> Iterator[RowT]:
    """One ``row_type`` per item; a field comes from ``fields[name]`` or the item's ``name``."""
    sources = dict(fields or {})
    columns = row_columns(row_type)
    unknown = sorted(set(sources) - {c.name for c in columns})
    if unknown:
        raise JsonItemError(f"{row_type.__name__} declares no field {unknown}")
    plan = [
        (c.name, sources.get(c.name, c.name), CONVERTERS[c.bigquery_type], c.nullable)
        for c in columns
    ]
    for index, item in enumerate(items):
        values = {}
        for name, source, convert, nullable in plan:
            raw = _read(item, source, index, name)
            if raw is None and nullable:
                values[name] = None
                continue
            try:
                values[name] = convert(raw)
            except ValueError as error:
                where = source if isinstance(source, str) else "its function"
                raise JsonItemError(
                    f"item {index}, field {name!r} (from {where}): {error}, got {raw!r}"
                ) from None
        yield row_type(**values)


def _read(item: Mapping[str, Any], source: FieldSource, index: int, name: str) -> Any:
    if callable(source):
        return source(item)
    try:
        return lookup(item, source)
    except KeyError:
        raise JsonItemError(
            f"item {index} has no {source!r} for field {name!r} (it has: {sorted(item)})"
        ) from None
