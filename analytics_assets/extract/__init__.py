"""The extractor API: everything a team imports to write an extractor, and nothing of Dagster.

Row dataclasses and :func:`column`, the two extractor base classes, the local-day windows
they are called with, and the declaration of what an extractor reads (:class:`Source`).
"""

from analytics_assets.extract.days import (
    IncompleteDayError,
    Window,
    day_window,
    last_complete_day,
    refuse_incomplete_days,
)
from analytics_assets.extract.extractor import (
    DateAggregatedExtractor,
    Extractor,
    IndividualRowsExtractor,
)
from analytics_assets.extract.schema import ExtractorKind, SchemaError, TableSpec, column
from analytics_assets.extract.source import DJANGO, PLAIN_PYTHON, Source, http_api

__all__ = [
    "DJANGO",
    "PLAIN_PYTHON",
    "DateAggregatedExtractor",
    "Extractor",
    "ExtractorKind",
    "IncompleteDayError",
    "IndividualRowsExtractor",
    "SchemaError",
    "Source",
    "TableSpec",
    "Window",
    "column",
    "day_window",
    "http_api",
    "last_complete_day",
    "refuse_incomplete_days",
]
