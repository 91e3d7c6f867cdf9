"""The extractor API: everything a team imports to write an extractor, and nothing of Dagster.

Row dataclasses and :func:`column`, the two extractor base classes, the local-day windows
they are called with, and the declaration of what an extractor reads (:class:`Source`).
What an HTTP API extractor uses (the ``HttpApi`` resource, its paging styles and
``rows_from_items``) is importable from here too, loaded on first use: a module that only
declares rows and extractors never imports Dagster.
"""

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from analytics_assets.sources.http_api import HttpApi
    from analytics_assets.sources.json_rows import rows_from_items
    from analytics_assets.sources.pagination import NextCursor, NextUrl, OffsetLimit, PageNumber

__all__ = [
    "DJANGO",
    "PLAIN_PYTHON",
    "DateAggregatedExtractor",
    "Extractor",
    "ExtractorKind",
    "HttpApi",
    "IncompleteDayError",
    "IndividualRowsExtractor",
    "NextCursor",
    "NextUrl",
    "OffsetLimit",
    "PageNumber",
    "SchemaError",
    "Source",
    "TableSpec",
    "Window",
    "column",
    "day_window",
    "http_api",
    "last_complete_day",
    "refuse_incomplete_days",
    "rows_from_items",
]


def __getattr__(name: str) -> Any:
    """The HTTP source's names, imported on first use (they import Dagster and httpx)."""
    if name == "HttpApi":
        from analytics_assets.sources.http_api import HttpApi

        return HttpApi
    if name == "rows_from_items":
        from analytics_assets.sources.json_rows import rows_from_items

        return rows_from_items
    if name in ("NextCursor", "NextUrl", "OffsetLimit", "PageNumber"):
        from analytics_assets.sources import pagination

        return getattr(pagination, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
