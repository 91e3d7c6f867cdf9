"""The code location's definitions from its parts: extractors, resources and settings -> assets,
checks, the daily schedule and the sensors, with the run policy applied once.

It knows nothing of where the parts come from (the environment decides,
:mod:`analytics_assets.environments`), so a team's tests assemble the same definitions
around their own extractors and a test warehouse (:mod:`analytics_assets.testing`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg

from analytics_assets.assembly.assets import build_extractor_assets
from analytics_assets.assembly.checks import build_extractor_checks
from analytics_assets.assembly.extract_asset import RunPolicy
from analytics_assets.assembly.location_names import LocationNames
from analytics_assets.assembly.partitions import daily_partitions
from analytics_assets.automation.catch_up import build_catch_up_sensor
from analytics_assets.automation.daily import build_daily_schedule
from analytics_assets.automation.freshness import (
    build_freshness_checks,
    build_freshness_sensor,
    freshness_check_keys,
)
from analytics_assets.automation.notifications import build_failure_notification_sensor
from analytics_assets.extract import Extractor
from analytics_assets.settings import Settings
from analytics_assets.warehouse.io_manager import BigQueryRowsIOManager
from analytics_assets.warehouse.resource import BigQueryWarehouse


def run_policy(settings: Settings) -> RunPolicy:
    return RunPolicy(
        max_retries=settings.extract_retries,
        retry_delay_seconds=settings.extract_retry_delay_seconds,
    )


def location_resources(
    warehouse: BigQueryWarehouse,
    sources: Mapping[str, Any],
    names: LocationNames = LocationNames(),
) -> dict[str, Any]:
    """The warehouse, the IO manager writing through it, and the extractors' sources (given
    by source name), under the keys the location's names give them."""
    return {
        names.warehouse: warehouse,
        names.io_manager: BigQueryRowsIOManager(warehouse=warehouse),
        **{names.resource_key(source): resource for source, resource in sources.items()},
    }


def build_location(
    settings: Settings,
    extractors: Sequence[type[Extractor[Any]]],
    warehouse: BigQueryWarehouse,
    sources: Mapping[str, Any],
) -> dg.Definitions:
    """Every definition of the location for ``extractors``, writing to ``warehouse``."""
    if not extractors:
        raise ValueError("a code location needs at least one extractor")
    names = LocationNames(settings.key_prefix)
    partitions = daily_partitions(settings)
    prefix = f"{warehouse.project}.{warehouse.dataset}"
    assets = build_extractor_assets(extractors, partitions, prefix, run_policy(settings), names)
    asset_keys = [asset.key for asset in assets]
    checks = [
        check
        for extractor in extractors
        for check in build_extractor_checks(extractor.table, partitions, names)
    ]
    catch_up = build_catch_up_sensor(
        asset_keys,
        chunk_days=settings.catch_up_chunk_days,
        retry_failed_after=dt.timedelta(minutes=settings.retry_failed_after_minutes),
        daily_hour=settings.daily_hour,
        daily_minute=settings.daily_minute,
        lookback_days=settings.lookback_days,
        minimum_interval_seconds=settings.catch_up_interval_seconds,
        running=settings.automation_running,
        name=names.catch_up_sensor,
    )
    extracted = [names.asset_key(extractor.table.name) for extractor in extractors]
    schedule = build_daily_schedule(
        asset_keys,
        partitions,
        hour=settings.daily_hour,
        minute=settings.daily_minute,
        lookback_days=settings.lookback_days,
        running=settings.automation_running,
        names=names,
        unplanned_checks=freshness_check_keys(extracted),
    )
    freshness_checks = build_freshness_checks(
        extracted, partitions, settings.fresh_by_hour, names.freshness_checks
    )
    freshness = build_freshness_sensor(
        extracted,
        partitions,
        settings.fresh_by_hour,
        running=settings.automation_running,
        name=names.freshness_sensor,
    )
    notify = build_failure_notification_sensor(
        name=names.failure_sensor,
        settings=lambda: settings,
        # a Component instance shares its code location with other assets: its own runs only
        watched_assets=asset_keys if names.prefix else None,
    )
    return dg.Definitions(
        assets=assets,
        asset_checks=[*checks, freshness_checks],
        schedules=[schedule],
        sensors=[catch_up, freshness, notify],
        resources=location_resources(warehouse, sources, names),
        # Steps run one after the other in the run's process: an extractor's work is I/O
        # on its source and BigQuery, and a step subprocess costs 5-20 s of imports here.
        # A failed step still only skips its own downstream (its delta view).
        executor=dg.in_process_executor,
        metadata={"analytics_env": settings.environment.value},
    )
