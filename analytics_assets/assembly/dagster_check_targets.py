"""The private Dagster name per-day checks need, fenced here: the materialization a check targets.

A per-day check evaluation (``dg.AssetCheckEvaluation(partition=day)``) counts in the UI's
per-partition check status only when it names the materialization of that day it
checked: without it Dagster treats the evaluation as stale, the check's *Partitions*
status stays empty and the UI shows the status of the last evaluated day only, so one
failing day among passing ones would look passed (measured on Dagster 1.13.27).
``dg.AssetCheckResult`` fills this in itself, but only for a step of a single partition;
the class it uses is not exported. Every use goes through :func:`day_evaluation`, and
``analytics_assets_tests/test_dagster_check_targets.py`` fails loudly if a Dagster
upgrade moves or changes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluationTargetMaterializationData,
)


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
