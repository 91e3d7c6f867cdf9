"""The private Dagster names this project needs, fenced here, each behind one function.

* **Per-day check evaluations** (:func:`day_evaluation`): a check evaluation of a partition
  counts in the UI's per-partition check status only when it names the materialization of
  that day it checked; without it Dagster treats the evaluation as stale and the UI shows
  the status of the last evaluated day only, so one failing day among passing ones would
  look passed (measured on Dagster 1.13.27). ``dg.AssetCheckResult`` fills this in itself,
  but only for a step of a single partition; the class it uses is not exported.
* **Backfills that have not finished** (:func:`days_in_unfinished_backfills`): the catch-up
  sensor leaves alone the days of a backfill a user launched whose runs are still to come;
  Dagster 1.13 has no public way to list backfills by status.
* **A batch of per-day asset events in the asset index** (:func:`index_day_events`): both
  instances' event storages store a run's per-day "planned" events at once, the local one a
  ranged step's materializations too (see ``local/event_storage.py`` and
  ``deploy/event_storage.py``), and index them as Dagster's own batch of materializations
  does, through its storage's private index methods.

The backfill names are imported when a sensor first uses them: their modules pull in
Dagster's backfill daemon and workspace machinery (0.15-0.3 s), which loading the code
location or running an extract does not need.

``analytics_assets_tests/test_dagster_private.py`` fails loudly, naming what changed, if a
Dagster upgrade moves or changes any name used here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import dagster as dg
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluationTargetMaterializationData,
)

if TYPE_CHECKING:
    from dagster._core.storage.event_log.sql_event_log import SqlEventLogStorage


def days_in_unfinished_backfills(
    instance: dg.DagsterInstance, asset_graph: Any, asset_keys: Sequence[dg.AssetKey]
) -> dict[dg.AssetKey, set[str]]:
    """The partition keys of ``asset_keys`` targeted by asset backfills still requested."""
    from dagster._core.execution.backfill import BulkActionsFilter, BulkActionStatus

    # the backfills that may still launch runs
    active = [BulkActionStatus.REQUESTED, BulkActionStatus.CANCELING]
    busy: dict[dg.AssetKey, set[str]] = defaultdict(set)
    backfills = instance.get_backfills(filters=BulkActionsFilter(statuses=active))
    for backfill in backfills:
        if not backfill.is_asset_backfill:
            continue
        target = backfill.get_asset_backfill_data(asset_graph).target_subset
        for asset_key in asset_keys:
            if asset_key in target.asset_keys:
                busy[asset_key] |= set(target.get_partitions_subset(asset_key).get_partition_keys())
    return busy


def day_evaluation(
    check_key: dg.AssetCheckKey,
    *,
    day: str,
    passed: bool,
    severity: dg.AssetCheckSeverity,
    metadata: Mapping[str, Any],
    description: str | None,
    materialization: dg.EventLogRecord | None,
) -> dg.AssetCheckEvaluation:
    """The evaluation of ``check_key`` on partition ``day``, against that day's materialization."""
    target = (
        AssetCheckEvaluationTargetMaterializationData(
            storage_id=materialization.storage_id,
            run_id=materialization.run_id,
            timestamp=materialization.timestamp,
        )
        if materialization is not None
        else None
    )
    return dg.AssetCheckEvaluation(
        asset_key=check_key.asset_key,
        check_name=check_key.name,
        passed=passed,
        severity=severity,
        metadata=dict(metadata),
        description=description,
        partition=day,
        target_materialization_data=target,
    )


def index_day_events(
    storage: SqlEventLogStorage, conn: Any, events: Sequence[dg.EventLogEntry], ids: Sequence[int]
) -> None:
    """Index ``events`` (a batch of one asset event per asset and day, planned materializations
    or materializations, stored as rows ``ids`` of the index) on ``conn``: each one's tags, and
    each asset's row updated once, by its last event, as Dagster's own storages index a batch
    of materializations."""
    storage._store_asset_event_tags(conn, events, ids)
    last_of_asset = {
        event.get_dagster_event().asset_key: (event, event_id)
        for event, event_id in zip(events, ids, strict=True)
    }
    for event, event_id in last_of_asset.values():
        storage._store_asset_event(conn, event, event_id)


def split_by_kind(
    events: Sequence[dg.EventLogEntry], kind: dg.DagsterEventType
) -> tuple[list[dg.EventLogEntry], list[dg.EventLogEntry]]:
    """A batch's events of ``kind`` and its others (a run's plan holds its planned
    materializations, one per asset and day, and one planned evaluation per check)."""
    of_kind = [event for event in events if event.get_dagster_event().event_type == kind]
    others = [event for event in events if event.get_dagster_event().event_type != kind]
    return of_kind, others
