"""The extractor base classes users subclass: a row dataclass as type parameter, one method.

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

from analytics_assets.extract.schema import ExtractorKind, SchemaError, TableSpec, build_table_spec
from analytics_assets.extract.source import DJANGO, Source, as_source

RowT = TypeVar("RowT")


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
    #: What the extractor reads: ``DJANGO`` (the default), ``http_api("name")``, ``"python"``.
    source: ClassVar[Source | str] = DJANGO
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
        try:
            cls.source = as_source(cls.source, cls.__name__)
        except (TypeError, ValueError) as problem:
            raise SchemaError(str(problem)) from None
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

    @classmethod
    def declared_source(cls) -> Source:
        """The extractor's source (its ``source`` attribute, resolved when the class was made)."""
        return as_source(cls.source, cls.__name__)


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
