"""A location under test: production's definitions around a team's extractors and a test warehouse.

:func:`location_definitions` is :func:`analytics_assets.location.build_location` itself
(the same assets, IO manager, delta views, checks, daily schedule and catch-up sensor as
in production), given settings made for tests by :func:`location_settings` and the
extractors' sources, built from their environment variables as the location builds them
unless the test gives them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg

from analytics_assets.assembly.sources import sources_of
from analytics_assets.extract import Extractor
from analytics_assets.location import build_location
from analytics_assets.settings import Environment, Settings, load_settings
from analytics_assets.sources.registry import source_resources
from analytics_assets.warehouse.resource import BigQueryWarehouse

Extractors = type[Extractor[Any]] | Sequence[type[Extractor[Any]]]


def as_date(day: str | dt.date) -> dt.date:
    """``"2024-03-31"`` or a date -> the date."""
    return day if isinstance(day, dt.date) else dt.date.fromisoformat(day)


def extractor_list(extractors: Extractors) -> list[type[Extractor[Any]]]:
    """One extractor class or several -> a list of them."""
    return [extractors] if isinstance(extractors, type) else list(extractors)


def location_settings(
    first_date: str | dt.date, *, timezone: str = "Europe/Paris", **fields: Any
) -> Settings:
    """Settings of a location under test: days from ``first_date`` in ``timezone``.

    Every other setting has its production default (read from no environment variable),
    except ``extract_retries``: 0, so a failing extractor fails the run at once instead
    of waiting for retries. ``fields`` set any field of
    :class:`~analytics_assets.settings.Settings`, e.g. ``daily_hour=2`` or
    ``extract_retries=2, extract_retry_delay_seconds=0.01``.
    """
    ZoneInfo(timezone)  # an unknown zone fails here, naming it
    defaults = dataclasses.replace(
        load_settings({}),
        environment=Environment.LOCAL,
        first_date=as_date(first_date),
        timezone=timezone,
        extract_retries=0,
    )
    return dataclasses.replace(defaults, **fields)


def extractor_sources(
    extractors: Sequence[type[Extractor[Any]]], sources: Mapping[str, Any] | None = None
) -> Mapping[str, Any]:
    """The resources of the sources ``extractors`` read: ``sources`` when given, else each
    built from its variables like the location does (``DJANGO_SETTINGS_MODULE``,
    ``ANALYTICS_<NAME>_URL`` and ``_TOKEN``), one SettingsError naming what is missing."""
    if sources is not None:
        return sources
    kinds = sources_of(list(extractors))
    resources, variables = source_resources(kinds)
    variables.refuse_missing(f"reading the sources {', '.join(sorted(kinds))}")
    return resources


def location_definitions(
    extractors: Extractors,
    warehouse: BigQueryWarehouse,
    settings: Settings,
    *,
    sources: Mapping[str, Any] | None = None,
) -> dg.Definitions:
    """The definitions production builds for ``extractors`` writing to ``warehouse``.

    ``sources`` maps each source name the extractors read (``"django"``, an
    ``http_api("...")`` name) to its resource; None builds them from the environment.
    """
    listed = extractor_list(extractors)
    return build_location(settings, listed, warehouse, extractor_sources(listed, sources))
