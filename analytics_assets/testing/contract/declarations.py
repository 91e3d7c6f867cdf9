"""The extractors the contract suite writes with, and what they read (set by each test).

Each test gives its extractor a table of its own (:func:`on_table`), so the tests of one
target share its throwaway dataset without touching each other's tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

from analytics_assets.extract import DateAggregatedExtractor, IndividualRowsExtractor, column

PARIS = ZoneInfo("Europe/Paris")
#: The rows each table's extractor reads, by table name: a list of rows (individual rows)
#: or a ``{local day: row}`` dict (date-aggregated).
SOURCE: dict[str, Any] = {}

ExtractorT = TypeVar("ExtractorT", bound=type[Any])


@dataclass
class EveryType:
    """One column of each type the project maps, NULLABLE ones too."""

    timestamp: dt.datetime
    count: int
    ratio: float
    amount: Decimal
    flag: bool
    label: str
    blob: bytes
    day: dt.date
    note: str | None = None
    share: Decimal | None = None


class EveryTypeExtractor(IndividualRowsExtractor[EveryType]):
    """Rows of every column type."""

    source = "python"
    table_name = "contract_every_type"

    def extract(self, start: dt.datetime, end: dt.datetime):
        return [row for row in SOURCE[self.table.name] if start <= row.timestamp < end]


@dataclass
class Tally:
    total: int = column(differentiate=True)
    level: Decimal | None = column(differentiate=True)
    label: str = ""


class TallyExtractor(DateAggregatedExtractor[Tally]):
    """Cumulative numbers, one row a day."""

    source = "python"
    table_name = "contract_tally"

    def extract(self, start: dt.datetime, end: dt.datetime):
        yield SOURCE[self.table.name][start.astimezone(PARIS).date()]


def on_table(extractor_cls: ExtractorT, table: str) -> ExtractorT:
    """``extractor_cls`` writing to ``table`` (the same declaration, another table)."""
    named = type(f"{extractor_cls.__name__}On{table}", (extractor_cls,), {"table_name": table})
    return cast(ExtractorT, named)


def tallies(first: dt.date, *values: tuple[int, str | None]) -> dict[dt.date, Tally]:
    """``{day: Tally}`` for consecutive days from ``first``: (total, level) each."""
    return {
        first + dt.timedelta(days=offset): Tally(
            total, Decimal(level) if level is not None else None, f"day {offset}"
        )
        for offset, (total, level) in enumerate(values)
    }
