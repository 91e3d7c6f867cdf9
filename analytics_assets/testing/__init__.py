"""The testing kit: test a team's extractors through the real assets, IO manager and views.

Its pytest plugin (:mod:`analytics_assets.testing.plugin`, loaded in any project that
installs analytics-assets) gives the fixtures ``bigquery_emulator``, ``bigquery_warehouse``,
``bigquery_client`` and ``dagster_instance``; the helpers below do the rest:

* :func:`materialize` a day or a range (one run) of extractors, answering a
  :class:`Materialized` (the Dagster result, its errors, the rows BigQuery now holds);
  :func:`table_rows` reads any table or view;
* :func:`location_settings` and :func:`location_definitions`: the production definitions
  around the extractors under test;
* :func:`run_checks`: the tables' data checks alone, over what an instance holds;
* :func:`evaluate_schedule` and :func:`evaluate_catch_up`: the location's own daily
  schedule and catch-up sensor at a chosen instant, on a given instance;
  :func:`run_catch_up` runs what a tick requested;
* :func:`day_status` of a day on an instance; :func:`dry_run`: what the extractors give
  for days, checked, written nowhere;
* :func:`throwaway_warehouse`, :func:`emulator_client`, :func:`running_emulator`: the
  emulator (the ``emulator`` extra) outside the fixtures.

Names are imported on first use, so loading the plugin at pytest start stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from analytics_assets.testing.automation import (
        CatchUpTick,
        RequestedRun,
        evaluate_catch_up,
        evaluate_schedule,
        run_catch_up,
    )
    from analytics_assets.testing.days import day_status, dry_run
    from analytics_assets.testing.emulator import (
        EmulatorNotInstalledError,
        emulator_client,
        running_emulator,
        throwaway_warehouse,
    )
    from analytics_assets.testing.locations import location_definitions, location_settings
    from analytics_assets.testing.runs import Materialized, materialize, run_checks, table_rows

_HOMES = {
    "analytics_assets.testing.automation": (
        "CatchUpTick",
        "RequestedRun",
        "evaluate_catch_up",
        "evaluate_schedule",
        "run_catch_up",
    ),
    "analytics_assets.testing.days": ("day_status", "dry_run"),
    "analytics_assets.testing.emulator": (
        "EmulatorNotInstalledError",
        "emulator_client",
        "running_emulator",
        "throwaway_warehouse",
    ),
    "analytics_assets.testing.locations": ("location_definitions", "location_settings"),
    "analytics_assets.testing.runs": ("Materialized", "materialize", "run_checks", "table_rows"),
}
_MODULE_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "CatchUpTick",
    "EmulatorNotInstalledError",
    "Materialized",
    "RequestedRun",
    "day_status",
    "dry_run",
    "emulator_client",
    "evaluate_catch_up",
    "evaluate_schedule",
    "location_definitions",
    "location_settings",
    "materialize",
    "run_catch_up",
    "run_checks",
    "running_emulator",
    "table_rows",
    "throwaway_warehouse",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
