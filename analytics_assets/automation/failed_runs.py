"""Which failed days failed on a configuration error, and in which run: read from Dagster's own
run-failure records (public instance API), so the catch-up never bisects them.

A configuration error is not a day's fault: a Django project or an extractor module that
does not import, a resource that cannot start, a missing variable, an import inside
``extract`` that fails. Retrying such a range in quarters (what the catch-up does with a
bad day) only multiplies failed runs with the same message. A failure counts as one when
Dagster could not initialize the run, when a resource failed to start, or when one of the
errors of the run's first failed step is one of :data:`CONFIGURATION_ERRORS`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dagster as dg

from analytics_assets.assembly.run_tags import run_partition_bounds

#: Error classes that say the code or its configuration is wrong, whatever the day.
CONFIGURATION_ERRORS = frozenset(
    {
        "DjangoConfigurationError",  # the Django settings module does not import
        "ImproperlyConfigured",  # Django's own
        "SettingsError",
        "WarehouseConfigError",
        "HttpApiConfigError",
        "ExtractorModuleError",
        "ModuleNotFoundError",
        "ImportError",
        "DagsterResourceFunctionError",  # a resource could not start
        "DagsterUserCodeLoadError",  # the run's process could not load the code location
        "DagsterImportError",
        "DagsterInvalidConfigError",  # e.g. an EnvVar that is not set
    }
)
#: How far back failed runs are read (and how many at most) on each tick.
LOOKBACK = dt.timedelta(days=14)
MAX_FAILED_RUNS = 500


@dataclass(frozen=True)
class FailedRun:
    """A failed run of the watched assets: its id, assets and days, and the first line of
    its configuration error (None when it failed otherwise: a day's data, a kill...)."""

    run_id: str
    assets: frozenset[dg.AssetKey]
    first: str
    last: str
    configuration_error: str | None

    def covers(self, day: str) -> bool:
        return self.first <= day <= self.last


def _errors(error: Any) -> Iterator[Any]:
    while error is not None:
        yield error
        error = error.cause or getattr(error, "context", None)


def _configuration_error(failure: Any) -> str | None:
    """The first line of the configuration error a RUN_FAILURE's data holds, if it holds one."""
    chains = [failure.error]
    step = failure.first_step_failure_event
    if step is not None and step.step_failure_data is not None:
        chains.insert(0, step.step_failure_data.error)
    reason = getattr(failure.failure_reason, "value", None)
    for chain in chains:
        errors = list(_errors(chain))
        if reason == "JOB_INITIALIZATION_FAILURE" or any(
            e.cls_name in CONFIGURATION_ERRORS for e in errors
        ):
            innermost = errors[-1] if errors else None
            message = innermost.message.strip().splitlines() if innermost else []
            return message[0][:300] if message else "the run could not start"
    return None


def recent_failed_runs(
    instance: dg.DagsterInstance, asset_keys: Iterable[dg.AssetKey], now: dt.datetime
) -> list[FailedRun]:
    """The runs of ``asset_keys`` that failed since ``LOOKBACK`` before ``now``, newest first."""
    watched = frozenset(asset_keys)
    records = instance.fetch_run_status_changes(
        dg.RunStatusChangeRecordsFilter(
            event_type=dg.DagsterEventType.RUN_FAILURE,
            after_timestamp=(now - LOOKBACK).timestamp(),
        ),
        limit=MAX_FAILED_RUNS,
        ascending=False,
    ).records
    failures = {}
    for record in records:  # newest first; a run's failure is recorded once
        event = record.event_log_entry.dagster_event
        failure = event.event_specific_data if event is not None else None
        failures.setdefault(
            record.event_log_entry.run_id,
            _configuration_error(failure) if failure is not None else None,
        )
    runs = (
        {
            run_record.dagster_run.run_id: run_record.dagster_run
            for run_record in instance.get_run_records(
                filters=dg.RunsFilter(run_ids=list(failures)), limit=len(failures)
            )
        }
        if failures
        else {}
    )
    found = []
    for run_id, error in failures.items():
        run = runs.get(run_id)
        days = run_partition_bounds(run.tags) if run is not None else None
        # a run of a whole job (the daily schedule's) has no asset selection: all of them
        selected = (run.asset_selection or watched) if run is not None else ()
        assets = frozenset(selected) & watched
        if run is not None and days is not None and assets:
            found.append(FailedRun(run_id, assets, *days, error))
    return found


def configuration_failed_days(
    failures: Sequence[FailedRun], failed: Mapping[dg.AssetKey, Iterable[str]]
) -> dict[dg.AssetKey, dict[str, FailedRun]]:
    """Each failed day whose newest failed run (of ``failures``, newest first) failed on a
    configuration error, with that run."""
    found: dict[dg.AssetKey, dict[str, FailedRun]] = {}
    for key, days in failed.items():
        for day in days:
            run = next((run for run in failures if key in run.assets and run.covers(day)), None)
            if run is not None and run.configuration_error is not None:
                found.setdefault(key, {})[day] = run
    return found
