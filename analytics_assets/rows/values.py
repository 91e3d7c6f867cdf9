"""The value rules of each BigQuery type: what a row field may hold, and how it is stored.

One function per type refuses what BigQuery would refuse or silently change (``True`` is
not an INT64, a naive datetime is not a TIMESTAMP, NUMERIC keeps 29 integer digits and 9
decimals, a STRING is UTF-8 so a lone surrogate cannot be stored, an int beyond FLOAT64's
range is no float), so a bad value is caught before anything is written, with the reason.
A decimal written with more than 9 places that NUMERIC holds exactly (``1.500000000000``,
``0E-12``) is stored at 9 places; one that would lose a digit is refused.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from decimal import Context, Decimal, InvalidOperation
from typing import Any

from analytics_assets.extract.schema import Column

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_NUMERIC_MAX_INTEGER_DIGITS = 29
_NUMERIC_MAX_SCALE = 9
_NUMERIC_QUANTUM = Decimal(1).scaleb(-_NUMERIC_MAX_SCALE)
#: Enough digits for any NUMERIC (29 + 9) and the longest exact form of a value refused.
_NUMERIC_CONTEXT = Context(prec=80)


class RowValidationError(ValueError):
    """A row an extractor yielded does not fit the declared schema."""


class BadValue(ValueError):
    """One value does not fit its column; the caller adds where it was."""


def type_name(value: Any) -> str:
    return type(value).__name__


def _check_int(value: Any) -> int:
    if type(value) is not int:
        raise BadValue(f"expected int, got {type_name(value)} {value!r}")
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise BadValue(f"{value} does not fit in INT64")
    return value


def _check_float(value: Any) -> float:
    if type(value) not in (float, int):
        raise BadValue(f"expected float, got {type_name(value)} {value!r}")
    try:
        return float(value)
    except OverflowError:
        raise BadValue(
            f"int of {value.bit_length()} bits is beyond FLOAT64's range (about ±1.8e308)"
        ) from None


def check_numeric(value: Any) -> Decimal:
    if type(value) is int:
        value = Decimal(value)
    if not isinstance(value, Decimal):
        raise BadValue(f"expected Decimal, got {type_name(value)} {value!r}")
    try:
        _, digits, exponent = value.as_tuple()
    except InvalidOperation:  # pragma: no cover - as_tuple never raises for a Decimal
        raise BadValue(f"{value!r} is not a number") from None
    if not value.is_finite() or not isinstance(exponent, int):
        raise BadValue(f"{value} is not a finite number")
    if len(digits) + exponent > _NUMERIC_MAX_INTEGER_DIGITS:
        raise BadValue(f"{value} has more than 29 integer digits; NUMERIC cannot hold it")
    scale = max(0, -exponent)
    if scale > _NUMERIC_MAX_SCALE:
        return _at_nine_places(value, scale)
    return value


def _at_nine_places(value: Decimal, scale: int) -> Decimal:
    """``value`` written with 9 decimal places if that keeps it exactly; else BadValue."""
    rounded = value.quantize(_NUMERIC_QUANTUM, context=_NUMERIC_CONTEXT)
    if rounded != value:
        raise BadValue(
            f"{value} has {scale} decimal places; NUMERIC keeps at most 9 and rounding would "
            "change the value: round it yourself if that is right (value.quantize(Decimal('1e-9')))"
        )
    return rounded


def _check_bool(value: Any) -> bool:
    if type(value) is not bool:
        raise BadValue(f"expected bool, got {type_name(value)} {value!r}")
    return value


def _check_str(value: Any) -> str:
    if type(value) is not str:
        raise BadValue(f"expected str, got {type_name(value)} {value!r}")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise BadValue(
                f"character {value[error.start]!r} at position {error.start} cannot be "
                "stored (a lone surrogate is not UTF-8; STRING is UTF-8)"
            ) from None
    return value


def _check_bytes(value: Any) -> bytes:
    if type(value) is not bytes:
        raise BadValue(f"expected bytes, got {type_name(value)} {value!r}")
    return value


def _check_date(value: Any) -> dt.date:
    if type(value) is not dt.date:
        raise BadValue(f"expected datetime.date, got {type_name(value)} {value!r}")
    return value


def _check_timestamp(value: Any) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise BadValue(f"expected datetime.datetime, got {type_name(value)} {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise BadValue(f"naive datetime {value.isoformat()}: give it a time zone")
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        raise BadValue(
            f"{value.isoformat()} is outside TIMESTAMP's range (0001-01-01 to 9999-12-31 UTC)"
        ) from None


VALUE_CHECKS: dict[str, Callable[[Any], Any]] = {
    "BOOL": _check_bool,
    "INT64": _check_int,
    "FLOAT64": _check_float,
    "NUMERIC": check_numeric,
    "STRING": _check_str,
    "BYTES": _check_bytes,
    "DATE": _check_date,
    "TIMESTAMP": _check_timestamp,
}


def check_value(column: Column, value: Any) -> Any:
    """The value as stored, or :class:`BadValue` saying why it does not fit ``column``."""
    if value is None:
        if not column.nullable:
            raise BadValue("None in a REQUIRED field (annotate it `X | None` to allow NULL)")
        return None
    if column.bigquery_type == "FLOAT64" and isinstance(value, float) and math.isnan(value):
        return value
    return VALUE_CHECKS[column.bigquery_type](value)
