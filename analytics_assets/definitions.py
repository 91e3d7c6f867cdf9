"""The code location Dagster loads: settings -> the environment's world -> definitions."""

from __future__ import annotations

import dagster as dg

from analytics_assets.environments import load_world
from analytics_assets.location import build_location
from analytics_assets.settings import Settings, load_settings


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    settings = settings or load_settings()
    world = load_world(settings)
    return build_location(settings, world.extractors, world.warehouse, world.sources)


defs = build_definitions()
