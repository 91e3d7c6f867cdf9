"""The framework extractors are written against: row dataclasses, extractor classes, day windows.

Everything a user needs to write an extractor is importable from here.
"""

from analytics_assets.extract.extractor import (
    DateAggregatedExtractor,
    Extractor,
    IndividualRowsExtractor,
    day_window,
    last_complete_day,
)
from analytics_assets.extract.schema import ExtractorKind, SchemaError, TableSpec, column

__all__ = [
    "DateAggregatedExtractor",
    "Extractor",
    "ExtractorKind",
    "IndividualRowsExtractor",
    "SchemaError",
    "TableSpec",
    "column",
    "day_window",
    "last_complete_day",
]
