"""The code location: extractors -> assets, the schedule and sensors, and their resources."""

from __future__ import annotations

import datetime as dt

import dagster as dg

import analytics_assets.extractors
from analytics_assets.automation.catch_up import build_catch_up_sensor
from analytics_assets.automation.daily import build_daily_schedule
from analytics_assets.automation.notifications import build_failure_notification_sensor
from analytics_assets.extract.assets import RunPolicy, build_extractor_assets
from analytics_assets.extract.checks import build_extractor_checks
from analytics_assets.extract.discovery import find_extractors
from analytics_assets.partitions import daily_partitions
from analytics_assets.resources import build_resources, table_prefix, warehouse_from_settings
from analytics_assets.settings import Settings, load_settings


def run_policy(settings: Settings) -> RunPolicy:
    return RunPolicy(
        max_retries=settings.extract_retries,
        retry_delay_seconds=settings.extract_retry_delay_seconds,
        fresh_by_hour=settings.fresh_by_hour,
    )


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    settings = settings or load_settings()
    partitions = daily_partitions(settings)
    extractors = find_extractors(analytics_assets.extractors)
    prefix = table_prefix(warehouse_from_settings(settings))
    assets = build_extractor_assets(extractors, partitions, prefix, run_policy(settings))
    asset_keys = [asset.key for asset in assets]
    checks = [
        check
        for extractor in extractors
        for check in build_extractor_checks(extractor.table, partitions)
    ]
    return dg.Definitions(
        assets=assets,
        asset_checks=checks,
        schedules=[
            build_daily_schedule(
                asset_keys,
                hour=settings.daily_hour,
                minute=settings.daily_minute,
                running=settings.automation_running,
            )
        ],
        sensors=[
            build_catch_up_sensor(
                asset_keys,
                chunk_days=settings.catch_up_chunk_days,
                retry_failed_after=dt.timedelta(minutes=settings.retry_failed_after_minutes),
                daily_hour=settings.daily_hour,
                daily_minute=settings.daily_minute,
                minimum_interval_seconds=settings.catch_up_interval_seconds,
                running=settings.automation_running,
            ),
            build_failure_notification_sensor(),
        ],
        resources=build_resources(settings),
        # Steps run one after the other in the run's process: an extractor's work is I/O
        # on its source and BigQuery, and a step subprocess costs 5-20 s of imports here.
        # A failed step still only skips its own downstream (its delta view).
        executor=dg.in_process_executor,
    )


defs = build_definitions()
