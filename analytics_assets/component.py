"""``ExtractorsComponent``: a team's extractors mounted in its own Dagster project (``dg``).

One instance in a ``defs.yaml`` of the team's project builds what the standalone location
builds (:func:`analytics_assets.location.build_location`): a daily-partitioned asset per
extractor, the delta views, the data checks, the daily schedule, the catch-up sensor and
the failure notifications, writing to the warehouse its attributes describe. Every name
it gives Dagster starts with its ``key_prefix`` (by default its dataset), so two instances
(two apps, two datasets) and the project's dbt or dlt assets live side by side; the
project's own assets can depend on ``AssetKey([<prefix>, <table>])``. ``post_processing``
(owners, tags, groups) applies as to any component.

Its attributes are validated when the project loads (``dg check defs``): the same checks,
the same world (:mod:`analytics_assets.world`) as the environment variables of the
standalone location, named by attribute instead of variable. Secrets never go in the YAML:
a token is named by its variable (``token_env``), which the UI shows instead of the value.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import dagster as dg
from pydantic import Field, field_validator

from analytics_assets.component_attributes import (
    CatchUpAttributes,
    NotificationAttributes,
    RetryAttributes,
    ScheduleAttributes,
    WarehouseAttributes,
)
from analytics_assets.component_scaffold import ExtractorsComponentScaffolder
from analytics_assets.component_world import component_extractors, component_world
from analytics_assets.environment_variables import RequiredVariables, SettingsError
from analytics_assets.extract import Extractor
from analytics_assets.location import build_location
from analytics_assets.settings import (
    DEMO_FIRST_DATE,
    DEMO_TIMEZONE,
    Environment,
    Settings,
    check_timezone,
    load_settings,
    parse_first_date,
)
from analytics_assets.world import World


@dg.scaffold_with(ExtractorsComponentScaffolder)
class ExtractorsComponent(dg.Component, dg.Resolvable, dg.Model):
    """Daily BigQuery tables from a team's extractors (Django ORM or HTTP API): a partitioned
    asset per extractor, delta views, checks, a daily schedule and a catch-up sensor."""

    extractor_modules: list[str] = Field(
        default_factory=list,
        description="Modules or packages holding the extractors (packages searched "
        "recursively). Not used in the demo.",
    )
    first_date: str | None = Field(
        default=None, description="The first day to extract, YYYY-MM-DD (required but in demo)."
    )
    timezone: str | None = Field(
        default=None,
        description="IANA zone of the local days, e.g. Europe/Paris (required but in demo).",
    )
    environment: Literal["demo", "local", "production"] = Field(
        default="production",
        description="production: BigQuery; local: the embedded emulator; demo: the demo shop.",
    )
    key_prefix: list[str] | None = Field(
        default=None, description="First part of every asset key; default: [dataset]."
    )
    warehouse: WarehouseAttributes = Field(default_factory=WarehouseAttributes)
    sources: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Settings of each source the extractors read, by source name, e.g. "
        "django: {settings_module: acme.settings}; desk_api: {url: ..., token_env: DESK_TOKEN}. "
        "A source not listed is read from its environment variables.",
    )
    schedule: ScheduleAttributes = Field(default_factory=ScheduleAttributes)
    catch_up: CatchUpAttributes = Field(default_factory=CatchUpAttributes)
    retries: RetryAttributes = Field(default_factory=RetryAttributes)
    notifications: NotificationAttributes = Field(default_factory=NotificationAttributes)
    local_dir: str | None = Field(
        default=None,
        description="local and demo: emulator data and local files, relative to the project "
        "(default: ANALYTICS_LOCAL_DIR or .local).",
    )

    @field_validator("first_date")
    @classmethod
    def _a_date(cls, first_date: str | None) -> str | None:
        return None if first_date is None else parse_first_date(first_date).isoformat()

    @field_validator("timezone")
    @classmethod
    def _a_zone(cls, timezone: str | None) -> str | None:
        return None if timezone is None else check_timezone(timezone)

    def build_defs(self, context: dg.ComponentLoadContext) -> dg.Definitions:
        settings = self.settings(context.project_root)
        world = self.world(settings)
        return build_location(settings, world.extractors, world.warehouse, world.sources)

    def settings(self, project_root: Path) -> Settings:
        """The location's settings from these attributes (the same as the variables give)."""
        environment = Environment(self.environment)
        demo = environment is Environment.DEMO
        missing = [
            name
            for name, value in (("first_date", self.first_date), ("timezone", self.timezone))
            if value is None and not demo
        ]
        if missing:
            raise SettingsError(f"ExtractorsComponent ({environment.value}) needs {missing}")
        defaults = load_settings({})
        local_dir = defaults.local_dir
        if self.local_dir is not None:
            local_dir = (project_root / self.local_dir).absolute()
        warehouse = self.warehouse
        return dataclasses.replace(
            defaults,
            environment=environment,
            first_date=dt.date.fromisoformat(self.first_date)
            if self.first_date
            else DEMO_FIRST_DATE,
            timezone=self.timezone or DEMO_TIMEZONE,
            local_dir=local_dir,
            bigquery_project=warehouse.project,
            bigquery_dataset=warehouse.dataset,
            bigquery_location=warehouse.location,
            extractor_modules=tuple(self.extractor_modules),
            key_prefix=tuple(
                self.key_prefix if self.key_prefix is not None else [warehouse.dataset]
            ),
            automation_running=self.schedule.running,
            daily_hour=self.schedule.hour,
            daily_minute=self.schedule.minute,
            lookback_days=self.schedule.lookback_days,
            fresh_by_hour=self.schedule.fresh_by_hour,
            catch_up_chunk_days=self.catch_up.chunk_days,
            catch_up_interval_seconds=self.catch_up.interval_seconds,
            retry_failed_after_minutes=self.catch_up.retry_failed_after_minutes,
            extract_retries=self.retries.attempts,
            extract_retry_delay_seconds=self.retries.delay_seconds,
            failure_webhook_url=_variable(self.notifications.webhook_url_env),
            ui_url=self.notifications.ui_url,
            bigquery_dataset_description=warehouse.description,
            bigquery_dataset_labels=dict(warehouse.labels),
            bigquery_reader_groups=tuple(warehouse.reader_groups),
            bigquery_writer_groups=tuple(warehouse.writer_groups),
            bigquery_maximum_bytes_billed=warehouse.maximum_bytes_billed,
        )

    def world(self, settings: Settings) -> World:
        """The warehouse, extractors and sources these attributes describe."""
        return component_world(settings, self.extractor_modules, self.sources, self.warehouse)

    def extractors(
        self, settings: Settings
    ) -> tuple[list[type[Extractor[Any]]], Mapping[str, Any]]:
        """The extractors and their sources' resources, without the warehouse (dry run)."""
        return component_extractors(settings, self.extractor_modules, self.sources)


def _variable(name: str | None) -> str | None:
    """The value of the environment variable ``name`` (None when unnamed); refused when unset."""
    if name is None:
        return None
    variables = RequiredVariables()
    value = variables.get(name, "named by notifications.webhook_url_env")
    variables.refuse_missing("ExtractorsComponent")
    return value


def project_instances(folder: Path) -> list[tuple[ExtractorsComponent, Settings]]:
    """Every ExtractorsComponent instance of the dg project ``folder`` is in, with its settings
    (what ``analytics-assets print-extract`` runs in a team's project)."""
    tree = dg.ComponentTree.for_project(folder)
    return [
        (instance, instance.settings(tree.project_root))
        for instance in tree.get_all_components(of_type=ExtractorsComponent)
    ]
