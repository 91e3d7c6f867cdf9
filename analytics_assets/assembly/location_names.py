"""Every name the location gives Dagster: asset keys, resource keys, jobs, schedules, sensors,
pools and groups, from one optional key prefix.

Without a prefix they are the standalone location's names (``user``, ``warehouse``,
``daily_extract``…). With one (each instance of the Component has one, by default its
dataset), every name carries it, so two instances (two apps, or two datasets) and a
team's own dbt or dlt assets live side by side in one code location: asset keys get the
prefix as their first path part (``analytics/user``), every other name starts with it
(``analytics_daily_extract``, ``analytics_warehouse``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import dagster as dg

_PART = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

WAREHOUSE = "warehouse"
IO_MANAGER = "bigquery_io_manager"
EXTRACT_GROUP = "extractors"
DELTA_GROUP = "delta_views"
DAILY_JOB = "daily_extract"
CATCH_UP_SENSOR = "catch_up_missing_days"
FAILURE_SENSOR = "notify_run_failures"
FRESHNESS_SENSOR = "check_latest_day_on_time"
FRESHNESS_CHECKS = "freshness_checks"


def check_key_prefix(prefix: tuple[str, ...]) -> tuple[str, ...]:
    """``prefix`` if each part can start a Dagster name (letters, digits, underscores)."""
    for part in prefix:
        if not _PART.match(part):
            raise ValueError(
                f"key prefix part {part!r} is not valid: letters, digits and underscores, "
                "starting with a letter (it starts every asset key, job and resource name)"
            )
    return prefix


@dataclass(frozen=True)
class LocationNames:
    """The names of one location's definitions; ``prefix`` () for the standalone location."""

    prefix: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_key_prefix(self.prefix)

    def _named(self, name: str) -> str:
        return "_".join((*self.prefix, name))

    def asset_key(self, table: str) -> dg.AssetKey:
        """The key of the asset of ``table`` (or of a view): ``user``, ``analytics/user``."""
        return dg.AssetKey([*self.prefix, table])

    def resource_key(self, name: str) -> str:
        """The key of the resource ``name`` (the warehouse, the IO manager, a source)."""
        return self._named(name)

    @property
    def warehouse(self) -> str:
        return self.resource_key(WAREHOUSE)

    @property
    def io_manager(self) -> str:
        return self.resource_key(IO_MANAGER)

    @property
    def extract_group(self) -> str:
        return self._named(EXTRACT_GROUP)

    @property
    def delta_group(self) -> str:
        return self._named(DELTA_GROUP)

    def pool(self, table: str) -> str:
        """The concurrency pool of the table's writers (one at a time, the instance's limit)."""
        return f"bigquery_table_{self._named(table)}"

    def checks_op(self, table: str) -> str:
        """The op running the data checks of ``table``."""
        return self._named(f"{table}_checks")

    @property
    def daily_job(self) -> str:
        return self._named(DAILY_JOB)

    @property
    def daily_schedule(self) -> str:
        return f"{self.daily_job}_schedule"

    @property
    def catch_up_sensor(self) -> str:
        return self._named(CATCH_UP_SENSOR)

    @property
    def failure_sensor(self) -> str:
        return self._named(FAILURE_SENSOR)

    @property
    def freshness_sensor(self) -> str:
        return self._named(FRESHNESS_SENSOR)

    @property
    def freshness_checks(self) -> str:
        return self._named(FRESHNESS_CHECKS)
