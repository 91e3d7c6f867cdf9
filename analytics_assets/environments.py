"""The one switch, ``ANALYTICS_ENV``, mapped to the world it means: warehouse, extractors, sources.

=============  ==================================  ======================================
environment    warehouse                           extractors and their sources
=============  ==================================  ======================================
``demo``       the embedded emulator (default)     the demo shop's, seeded on first use
``local``      the embedded emulator               yours (ANALYTICS_EXTRACTOR_MODULES)
``production`` BigQuery (BIGQUERY_PROJECT)         yours, sources from their variables
=============  ==================================  ======================================

Only this module (and the Component, for ``local``) imports :mod:`analytics_assets.demo`
(for ``demo``) and :mod:`analytics_assets.local` (for ``demo`` and ``local``), and only
when that environment is chosen, so a production process never loads either. Outside the
demo nothing has a default that points at the demo (not even the first date or the time
zone): every variable an environment needs and lacks is refused in one
:class:`~analytics_assets.environment_variables.SettingsError` when the code location
loads (so ``dagster definitions validate`` fails naming them). A team's world is
assembled by :mod:`analytics_assets.world`, as a Component instance's is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from analytics_assets.assembly.discovery import find_extractors
from analytics_assets.environment_variables import Environ, RequiredVariables, SettingsError
from analytics_assets.extract import Extractor
from analytics_assets.settings import EXTRACTOR_MODULES_VARIABLE, Environment, Settings
from analytics_assets.sources.django_orm import SETTINGS_ENV as DJANGO_SETTINGS_ENV
from analytics_assets.warehouse.resource import BigQueryWarehouse
from analytics_assets.world import (
    DEMO_PACKAGE,
    World,
    checked_warehouse,
    dataset_fields,
    team_extractors,
    team_sources,
)

__all__ = ["World", "demo_extractors_and_sources", "load_extractors", "load_world"]

_PRODUCTION_HINT = (
    "set ANALYTICS_ENV=production to write to real BigQuery (it also needs "
    f"{EXTRACTOR_MODULES_VARIABLE} and DJANGO_SETTINGS_MODULE; docs/adopt.md: 'The standalone "
    "location and ANALYTICS_ENV')"
)


def load_world(settings: Settings, environ: Environ | None = None) -> World:
    """The world ``settings.environment`` names, or one SettingsError listing what is missing."""
    variables = RequiredVariables(environ)
    for name, meaning in settings.unset_required:
        variables.note_missing(name, meaning)
    extractors, sources = _extractors_and_sources(settings, variables)
    warehouse = _warehouse(settings, variables)
    variables.refuse_missing(f"ANALYTICS_ENV={settings.environment.value}")
    return World(settings.environment, warehouse, extractors, sources)


def load_extractors(
    settings: Settings, environ: Environ | None = None
) -> tuple[list[type[Extractor[Any]]], Mapping[str, Any]]:
    """The environment's extractors and their sources' resources, without the warehouse
    (what the dry run needs: no BigQuery variable, nor the first date, is required for it;
    the time zone is: it draws the days)."""
    variables = RequiredVariables(environ)
    if settings.timezone is None:
        variables.note_missing(*settings.unset_required[-1])
    extractors, sources = _extractors_and_sources(settings, variables)
    variables.refuse_missing(f"ANALYTICS_ENV={settings.environment.value}")
    return extractors, sources


def _extractors_and_sources(
    settings: Settings, variables: RequiredVariables
) -> tuple[list[type[Extractor[Any]]], Mapping[str, Any]]:
    _refuse_foreign_settings(settings, variables)
    if settings.environment is Environment.DEMO:
        return demo_extractors_and_sources(variables)
    modules = variables.get(
        EXTRACTOR_MODULES_VARIABLE, "your extractor modules or packages, comma-separated"
    )
    if not modules:
        # The default source: without the extractors, Django is what they are expected to read.
        variables.get(DJANGO_SETTINGS_ENV, "the Django settings module of your application")
        return [], {}
    extractors = team_extractors(settings.extractor_modules, EXTRACTOR_MODULES_VARIABLE)
    return extractors, team_sources(extractors, variables, None, EXTRACTOR_MODULES_VARIABLE)


def _refuse_foreign_settings(settings: Settings, variables: RequiredVariables) -> None:
    """Variables that belong to another environment: refused rather than silently ignored."""
    env = variables.environ
    name = f"ANALYTICS_ENV={settings.environment.value}"
    if settings.environment.uses_emulator and settings.bigquery_project:
        raise SettingsError(
            f"BIGQUERY_PROJECT={settings.bigquery_project!r} is set, but {name} writes to the "
            f"embedded BigQuery emulator; {_PRODUCTION_HINT}"
        )
    if settings.environment is Environment.PRODUCTION and env.get("BIGQUERY_EMULATOR_URL"):
        raise SettingsError(
            f"BIGQUERY_EMULATOR_URL is set, but {name} writes to real BigQuery: unset it "
            "(BIGQUERY_API_ENDPOINT sends production's calls to another endpoint)"
        )
    if settings.environment.uses_emulator and settings.bigquery_api_endpoint:
        raise SettingsError(
            f"BIGQUERY_API_ENDPOINT is set, but {name} writes to the BigQuery emulator "
            "(BIGQUERY_EMULATOR_URL names an emulator already running)"
        )
    if settings.environment is Environment.DEMO and settings.extractor_modules:
        raise SettingsError(
            f"{EXTRACTOR_MODULES_VARIABLE} is set, but ANALYTICS_ENV=demo runs the demo's "
            "extractors: set ANALYTICS_ENV=local (embedded emulator) or production to run yours"
        )


def _warehouse(settings: Settings, variables: RequiredVariables) -> BigQueryWarehouse:
    if settings.environment is Environment.PRODUCTION:
        project = variables.get("BIGQUERY_PROJECT", "the Google Cloud project of the warehouse")
        warehouse = BigQueryWarehouse(
            project=project or "unset-project",
            api_endpoint=settings.bigquery_api_endpoint,
            **dataset_fields(settings),
        )
    else:
        from analytics_assets.local.config import load_emulator_settings
        from analytics_assets.local.warehouse import emulator_warehouse

        emulator = load_emulator_settings(settings.local_dir, variables.environ)
        warehouse = emulator_warehouse(emulator, **dataset_fields(settings))
    return warehouse if variables.missing else checked_warehouse(warehouse, variables.environ)


def demo_extractors_and_sources(
    variables: RequiredVariables,
) -> tuple[list[type[Extractor[Any]]], Mapping[str, Any]]:
    """The demo shop's extractors and the resources of its sources (its Django shop, seeded
    on first use, and its support API)."""
    from analytics_assets.demo import SETTINGS_MODULE
    from analytics_assets.demo.config import load_demo_settings
    from analytics_assets.demo.resources import demo_source_resources

    django_settings = variables.environ.get(DJANGO_SETTINGS_ENV, "").strip()
    if django_settings and django_settings != SETTINGS_MODULE:
        raise SettingsError(
            f"{DJANGO_SETTINGS_ENV}={django_settings!r} is set, but ANALYTICS_ENV=demo reads the "
            "demo shop: set ANALYTICS_ENV=local or production to read your application"
        )
    extractors = find_extractors([f"{DEMO_PACKAGE}.extractors"])
    return extractors, demo_source_resources(load_demo_settings(variables.environ))
