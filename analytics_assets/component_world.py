"""The world of an ``ExtractorsComponent`` instance: its warehouse, extractors and sources.

``production``: BigQuery in ``warehouse.project``, the team's extractors and their sources;
``local``: the same extractors and sources on an emulator (``warehouse.emulator_url``, or
the embedded one); ``demo``: the demo shop, as the standalone location's demo. The demo
and the emulator are imported only for those environments, as in
:mod:`analytics_assets.environments`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from analytics_assets.component_attributes import WarehouseAttributes
from analytics_assets.environment_variables import RequiredVariables, SettingsError
from analytics_assets.extract import Extractor
from analytics_assets.settings import Environment, Settings
from analytics_assets.warehouse.resource import BigQueryWarehouse
from analytics_assets.world import (
    World,
    checked_warehouse,
    dataset_fields,
    team_extractors,
    team_sources,
)

EXTRACTOR_MODULES = "extractor_modules"


def component_world(
    settings: Settings,
    extractor_modules: Sequence[str],
    sources: Mapping[str, Mapping[str, Any]],
    warehouse: WarehouseAttributes,
) -> World:
    """The world a component's attributes (the rest already in ``settings``) describe, or
    one SettingsError naming every missing setting."""
    extractors, resources = component_extractors(settings, extractor_modules, sources)
    return World(settings.environment, _warehouse(warehouse, settings), extractors, resources)


def component_extractors(
    settings: Settings,
    extractor_modules: Sequence[str],
    sources: Mapping[str, Mapping[str, Any]],
) -> tuple[list[type[Extractor[Any]]], Mapping[str, Any]]:
    """The extractors and their sources' resources, without the warehouse (the dry run's)."""
    variables = RequiredVariables()
    if settings.environment is Environment.DEMO:
        from analytics_assets.environments import demo_extractors_and_sources

        extractors, resources = demo_extractors_and_sources(variables)
    else:
        if not extractor_modules:
            raise SettingsError(
                f"ExtractorsComponent ({settings.environment.value}) needs {EXTRACTOR_MODULES}"
            )
        extractors = team_extractors(extractor_modules, EXTRACTOR_MODULES)
        resources = team_sources(extractors, variables, sources, EXTRACTOR_MODULES)
    variables.refuse_missing(f"ExtractorsComponent ({settings.environment.value})")
    return list(extractors), resources


def _warehouse(attributes: WarehouseAttributes, settings: Settings) -> BigQueryWarehouse:
    if settings.environment is Environment.PRODUCTION:
        if not attributes.project:
            raise SettingsError("ExtractorsComponent (production) needs warehouse.project")
        if attributes.emulator_url:
            raise SettingsError(
                "warehouse.emulator_url is set, but environment production writes to real "
                "BigQuery: remove it, or set environment: local"
            )
        return checked_warehouse(
            BigQueryWarehouse(
                project=attributes.project,
                api_endpoint=attributes.api_endpoint,
                **dataset_fields(settings),
            )
        )
    if attributes.api_endpoint:
        raise SettingsError(
            f"warehouse.api_endpoint is set, but environment {settings.environment.value} "
            "writes to the BigQuery emulator (warehouse.emulator_url names one already running)"
        )
    if attributes.project:
        raise SettingsError(
            f"warehouse.project={attributes.project!r} is set, but environment "
            f"{settings.environment.value} writes to the BigQuery emulator: set environment: "
            "production to write to real BigQuery"
        )
    from analytics_assets.local.config import load_emulator_settings
    from analytics_assets.local.warehouse import emulator_warehouse

    emulator = load_emulator_settings(settings.local_dir)  # as analytics-assets dev reads it
    emulator = dataclasses.replace(
        emulator,
        external_url=attributes.emulator_url or emulator.external_url,
        port=attributes.emulator_port or emulator.port,
    )
    return checked_warehouse(emulator_warehouse(emulator, **dataset_fields(settings)))
