"""A world: the warehouse, the extractors and their sources' resources a location is built from.

Both ways of configuring a location assemble a team's world here: the environment
variables of the standalone location (:mod:`analytics_assets.environments`) and the
attributes of a Component instance (:mod:`analytics_assets.component`). Each part names
the setting it came from in its errors (``ANALYTICS_EXTRACTOR_MODULES`` or
``extractor_modules``), and no part of a team's world has a demo default.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from analytics_assets.assembly.discovery import find_extractors
from analytics_assets.assembly.sources import sources_of
from analytics_assets.environment_variables import RequiredVariables, SettingsError
from analytics_assets.extract import Extractor, SchemaError
from analytics_assets.settings import Environment, Settings
from analytics_assets.sources.registry import source_resources
from analytics_assets.warehouse.resource import BigQueryWarehouse, check_warehouse

DEMO_PACKAGE = "analytics_assets.demo"


@dataclass(frozen=True)
class World:
    """What one environment is made of: its warehouse, its extractors, their sources."""

    environment: Environment
    warehouse: BigQueryWarehouse
    extractors: list[type[Extractor[Any]]]
    #: The resource of each source the extractors read, by source name.
    sources: Mapping[str, Any]


def team_extractors(modules: Sequence[str], setting: str) -> list[type[Extractor[Any]]]:
    """The extractors defined in ``modules`` (the value of ``setting``), at least one."""
    demo_modules = [module for module in modules if module.startswith(DEMO_PACKAGE)]
    if demo_modules:
        raise SettingsError(
            f"{setting} names the demo's extractors ({demo_modules}); they only run in the demo "
            "(ANALYTICS_ENV=demo)"
        )
    try:
        extractors = find_extractors(modules)
    except (ImportError, SchemaError) as problem:
        raise SettingsError(f"{setting}: {problem}") from problem
    if not extractors:
        raise SettingsError(f"{setting}={list(modules)!r}: no extractor class is defined there")
    return extractors


def team_sources(
    extractors: Sequence[type[Extractor[Any]]],
    variables: RequiredVariables,
    configured: Mapping[str, Mapping[str, Any]] | None,
    setting: str,
) -> dict[str, Any]:
    """The resource of each source the extractors read: from its ``configured`` attributes
    if given, else from its environment variables (missing ones noted in ``variables``)."""
    try:
        kinds = sources_of(list(extractors))
    except ValueError as problem:  # two kinds for one source name
        raise SettingsError(f"{setting}: {problem}") from problem
    unknown = sorted(set(configured or {}) - set(kinds))
    if unknown:
        raise SettingsError(
            f"sources: {unknown} configured, but no extractor reads them (sources read: "
            f"{sorted(kinds) or 'none'})"
        )
    try:
        resources, missing = source_resources(kinds, variables.environ, configured)
    except ValueError as problem:  # an unknown kind, or an invalid source setting
        if isinstance(problem, SettingsError):
            raise
        raise SettingsError(f"{setting}: {problem}") from problem
    variables.missing += missing.missing
    return resources


def dataset_fields(settings: Settings) -> dict[str, Any]:
    """The warehouse's dataset: name, location, governance, and the environment it serves."""
    return {
        "dataset": settings.bigquery_dataset,
        "location": settings.bigquery_location,
        "dataset_description": settings.bigquery_dataset_description,
        "dataset_labels": dict(settings.bigquery_dataset_labels),
        "reader_groups": list(settings.bigquery_reader_groups),
        "writer_groups": list(settings.bigquery_writer_groups),
        "maximum_bytes_billed": settings.bigquery_maximum_bytes_billed,
        "environment": settings.environment.value,
    }


def checked_warehouse(
    warehouse: BigQueryWarehouse, environ: Mapping[str, str] | None = None
) -> BigQueryWarehouse:
    """``warehouse`` if BigQuery would accept its settings and its credentials (read from
    ``environ``, the process's by default) can work, else one SettingsError naming the
    setting or the variable (never a secret's value)."""
    problem: Exception | None = None
    try:
        check_warehouse(warehouse)
        warehouse.check_credentials(environ)
    except (SchemaError, ValueError) as error:
        problem = error
    if problem is not None:  # raised outside the handler: nothing of the secret is chained
        raise SettingsError(str(problem))
    return warehouse
