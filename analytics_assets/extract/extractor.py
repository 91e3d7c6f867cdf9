"""The extractor base classes users subclass, and the local-day windows they are called with.

An extractor is a class with a row dataclass as its type parameter and one method::

    class UserExtractor(DateAggregatedExtractor[User]):
        '''Cumulative users, prospects and clients at the end of each day.'''
        def extract(self, start, end):
            yield User(...)

``extract(start, end)`` gets the local day ``[start, end)``: both time-zone aware, start
inclusive, end exclusive, 23 h or 25 h long on DST days. A date-aggregated extractor yields
exactly one row per day (the system adds the ``date`` column); an individual-rows extractor
yields any number of rows whose ``timestamp`` lies inside the window.
"""

from __future__ import annotations

import datetime as dt
import inspect
import typing
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar, Generic, TypeVar
from zoneinfo import ZoneInfo

from analytics_assets.extract.schema import ExtractorKind, SchemaError, TableSpec, build_table_spec

RowT = TypeVar("RowT")


def day_window(day: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """Local midnight of ``day`` to the next local midnight, as aware datetimes.

    Arithmetic on the calendar date (not on a timedelta) is what makes DST days 23 h or
    25 h long. Each bound carries its own fixed UTC offset (``+01:00`` / ``+02:00``), so
    ``end - start`` is the real length of the day; with a shared ZoneInfo, Python would
    subtract wall-clock times and say 24 h. A midnight that does not exist (zones that
    jump at 00:00) resolves to the first instant of the day.
    """
    return _local_midnight(day, tz), _local_midnight(day + dt.timedelta(days=1), tz)


def _local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    instant = dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)
    offset = instant.astimezone(tz).utcoffset()
    assert offset is not None
    return instant.astimezone(dt.timezone(offset))


def last_complete_day(now: dt.datetime, tz: ZoneInfo) -> dt.date:
    """The latest local day that has fully ended at ``now`` (yesterday, in ``tz``)."""
    if now.tzinfo is None:
        raise ValueError("now must be time-zone aware")
    return now.astimezone(tz).date() - dt.timedelta(days=1)


def _row_type_argument(cls: type) -> type | None:
    for base in getattr(cls, "__orig_bases__", ()):
        origin = typing.get_origin(base)
        if isinstance(origin, type) and issubclass(origin, Extractor):
            (argument,) = typing.get_args(base)
            return None if isinstance(argument, TypeVar) else argument
    inherited = getattr(cls, "row_type", None)
    return inherited if isinstance(inherited, type) else None


class Extractor(Generic[RowT]):
    """Base of every extractor; subclass :class:`DateAggregatedExtractor` or
    :class:`IndividualRowsExtractor`, never this one."""

    kind: ClassVar[ExtractorKind]
    row_type: ClassVar[type]
    table: ClassVar[TableSpec]
    #: Override to name the table yourself (e.g. to start a new table after a schema change).
    table_name: ClassVar[str | None] = None
    #: What the extractor reads; shown as a kind in the UI and names the resource it needs.
    source: ClassVar[str] = "django"
    owners: ClassVar[tuple[str, ...]] = ("team:analytics",)

    def __init__(self, resources: Mapping[str, Any] | None = None) -> None:
        #: The Dagster resources the extractor's source needs (e.g. an HTTP client).
        self.resources: Mapping[str, Any] = resources or {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        row_type = _row_type_argument(cls)
        if row_type is None:
            if not inspect.isabstract(cls) and "extract" in cls.__dict__:
                raise SchemaError(
                    f"{cls.__name__}: name the row dataclass as the type parameter, e.g. "
                    f"class {cls.__name__}(DateAggregatedExtractor[MyRow])"
                )
            return
        if "extract" not in _all_attributes(cls):
            raise SchemaError(f"{cls.__name__}: an extractor must define extract(start, end)")
        cls.row_type = row_type
        cls.table = build_table_spec(
            row_type,
            cls.kind,
            table_name=cls.table_name,
            timestamp_field=getattr(cls, "timestamp_field", "timestamp"),
            description=inspect.getdoc(cls) or "",
        )

    def extract(self, start: dt.datetime, end: dt.datetime) -> Iterable[RowT]:
        """Yield the rows of the local day ``[start, end)``."""
        raise NotImplementedError


class DateAggregatedExtractor(Extractor[RowT]):
    """One row per local day; the system adds and fills the ``date`` column.

    A run over many days calls ``extract`` once per day, unless the class also overrides
    :meth:`extract_days`, which answers a whole range at once (e.g. one query instead of
    one per day).
    """

    kind = ExtractorKind.DATE_AGGREGATED

    def extract_days(self, windows: Sequence[tuple[dt.datetime, dt.datetime]]) -> Iterable[RowT]:
        """Optional: the rows of several local days at once, exactly one per window, in order.

        ``windows`` are the days' ``(start, end)`` as ``extract`` gets them, in ascending
        order (not always contiguous). Each row must equal what ``extract`` yields for its
        day; it is validated the same way. Not overridden: ``extract`` is called per day.
        """
        raise NotImplementedError

    @classmethod
    def extracts_ranges(cls) -> bool:
        """True if the class answers several days at once (overrides :meth:`extract_days`)."""
        return cls.extract_days is not DateAggregatedExtractor.extract_days


class IndividualRowsExtractor(Extractor[RowT]):
    """Any number of rows per day, each with a timestamp inside the day's window."""

    kind = ExtractorKind.INDIVIDUAL_ROWS
    #: The row field holding each row's moment; it decides which day a row belongs to.
    timestamp_field: ClassVar[str] = "timestamp"


_FRAMEWORK_BASES = (Extractor, DateAggregatedExtractor, IndividualRowsExtractor)


def _all_attributes(cls: type) -> set[str]:
    return {
        name
        for klass in cls.__mro__
        if klass not in (*_FRAMEWORK_BASES, Generic, object)
        for name in klass.__dict__
    }
