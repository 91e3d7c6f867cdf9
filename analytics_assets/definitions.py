"""The code location: extractors -> assets, plus the resources they run with."""

from __future__ import annotations

import dagster as dg

import analytics_assets.extractors
from analytics_assets.extract.assets import build_extractor_assets
from analytics_assets.extract.discovery import find_extractors
from analytics_assets.partitions import daily_partitions
from analytics_assets.resources import build_resources, table_prefix, warehouse_from_settings
from analytics_assets.settings import load_settings


def build_definitions() -> dg.Definitions:
    settings = load_settings()
    partitions = daily_partitions(settings)
    extractors = find_extractors(analytics_assets.extractors)
    prefix = table_prefix(warehouse_from_settings(settings))
    return dg.Definitions(
        assets=build_extractor_assets(extractors, partitions, prefix),
        resources=build_resources(settings),
    )


defs = build_definitions()
