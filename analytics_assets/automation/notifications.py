"""Run-failure notifications: a failed run's message, its delivery to a webhook, the sensor."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import dagster as dg

from analytics_assets.assembly.location_names import LocationNames
from analytics_assets.assembly.run_tags import run_partition_label
from analytics_assets.automation.webhook import (
    DEFAULT_ATTEMPTS,
    DEFAULT_RETRY_DELAY_SECONDS,
    DEFAULT_TIMEOUT_SECONDS,
    send_notification,
    webhook_host,
)
from analytics_assets.settings import Settings, load_settings

if TYPE_CHECKING:  # the error record of Dagster's events (dagster's own shared package)
    from dagster_shared.error import SerializableErrorInfo

SENSOR_NAME = LocationNames().failure_sensor
#: Longest error line sent; the run page has the rest.
MAX_ERROR_CHARS = 500


def _is_dagster_wrapper(error: SerializableErrorInfo) -> bool:
    """Dagster wraps user errors (DagsterExecutionStepExecutionError, ...); the cause is theirs."""
    return bool(error.cls_name and error.cls_name.startswith("Dagster") and error.cause)


def error_first_line(error: SerializableErrorInfo) -> str:
    """``ClassName: first line of the message`` of the innermost non-Dagster error."""
    while _is_dagster_wrapper(error):
        assert error.cause is not None
        error = error.cause
    lines = [line.strip() for line in error.message.splitlines() if line.strip()]
    line = lines[0] if lines else (error.cls_name or "unknown error")
    # format_exception_only qualifies non-builtin classes: "pkg.module.Error: ..." -> "Error: ..."
    prefix, separator, rest = line.partition(": ")
    if separator and error.cls_name and prefix.endswith(f".{error.cls_name}"):
        line = f"{error.cls_name}: {rest}"
    if len(line) > MAX_ERROR_CHARS:
        line = line[: MAX_ERROR_CHARS - 1] + "…"
    return line


def _failure_error(
    failure_event: dg.DagsterEvent | None, step_failures: Sequence[dg.DagsterEvent]
) -> str:
    for event in step_failures:
        data = event.step_failure_data if event.is_step_failure else None
        if data is not None and data.error is not None:
            line = error_first_line(data.error)
            others = len(step_failures) - 1
            return line if others == 0 else f"{line} (and {others} more failed steps)"
    if failure_event is not None:
        data = failure_event.job_failure_data if failure_event.is_run_failure else None
        if data is not None and data.error is not None:
            return error_first_line(data.error)
        if failure_event.message:
            return failure_event.message.strip().splitlines()[0][:MAX_ERROR_CHARS]
    return "the run failed (no error recorded)"


def _failed_assets(
    run: dg.DagsterRun,
    step_failures: Sequence[dg.DagsterEvent],
    assets_by_step: Mapping[str, Sequence[dg.AssetKey]],
) -> list[str]:
    """The assets of the failed steps; else the run's selection; else the failed step keys."""
    step_keys = [event.step_key for event in step_failures if event.step_key]
    keys = {key for step in step_keys for key in assets_by_step.get(step, ())}
    if not keys and run.asset_selection:
        keys = set(run.asset_selection)
    if keys:
        return sorted(key.to_user_string() for key in keys)
    return list(dict.fromkeys(step_keys))


def failure_payload(
    run: dg.DagsterRun,
    failure_event: dg.DagsterEvent | None,
    step_failures: Sequence[dg.DagsterEvent],
    *,
    ui_url: str,
    assets_by_step: Mapping[str, Sequence[dg.AssetKey]] | None = None,
) -> dict[str, Any]:
    """The webhook's JSON body for a failed run: a ``text`` for chat webhooks plus its parts.

    ``assets_by_step`` maps step keys to the asset keys they materialize, to name the failed
    assets rather than the whole selection of the run.
    """
    assets = _failed_assets(run, step_failures, assets_by_step or {})
    partition = run_partition_label(run.tags)
    error = _failure_error(failure_event, step_failures)
    url = f"{ui_url.rstrip('/')}/runs/{run.run_id}"
    subject = ", ".join(assets) if assets else f"job {run.job_name}"
    where = f" (partition {partition})" if partition else ""
    return {
        "text": f"Dagster run failed: {subject}{where}: {error}\n{url}",
        "asset": ", ".join(assets) or None,
        "assets": assets,
        "partition": partition,
        "error": error,
        "job": run.job_name,
        "run_id": run.run_id,
        "url": url,
    }


def _assets_by_step(
    instance: dg.DagsterInstance, run: dg.DagsterRun
) -> dict[str, list[dg.AssetKey]]:
    if not run.execution_plan_snapshot_id:
        return {}
    snapshot = instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id)
    return {
        step.key: [
            output.properties.asset_key
            for output in step.outputs
            if output.properties is not None and output.properties.asset_key is not None
        ]
        for step in snapshot.steps
    }


def build_failure_notification_sensor(
    *,
    name: str = SENSOR_NAME,
    settings: Callable[[], Settings] = load_settings,
    watched_assets: Collection[dg.AssetKey] | None = None,
    attempts: int = DEFAULT_ATTEMPTS,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    retry_delay_seconds: float = DEFAULT_RETRY_DELAY_SECONDS,
) -> dg.SensorDefinition:
    """Posts a short message for every failed run of this code location's jobs.

    The webhook URL and the UI's base URL come from ``settings()``, called at each
    evaluation (by default the environment: ``ANALYTICS_FAILURE_WEBHOOK_URL``,
    ``ANALYTICS_UI_URL``): without a webhook the sensor does nothing. With
    ``watched_assets``, only runs that selected one of them are notified (a Component
    instance's own runs, not those of the project's other assets). The sensor always
    returns None, so Dagster goes on to the next failed run of the tick; a notification
    that cannot be delivered is logged as a warning on the tick.
    """
    watched = None if watched_assets is None else frozenset(watched_assets)

    @dg.run_failure_sensor(
        name=name,
        description="Posts asset, partition, error and run link of failed runs to a webhook "
        "(ANALYTICS_FAILURE_WEBHOOK_URL; none set: no notification).",
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def notify_run_failure(context: dg.RunFailureSensorContext) -> None:
        run = context.dagster_run
        if watched is not None and not watched & set(run.asset_selection or ()):
            return None
        configured = settings()
        if configured.failure_webhook_url is None:
            context.log.debug(
                f"run {run.run_id} failed; no ANALYTICS_FAILURE_WEBHOOK_URL, so no notification"
            )
            return None
        try:
            step_failures = context.get_step_failure_events()
            assets_by_step = _assets_by_step(context.instance, run)
        except Exception as error:  # notify with what the run itself says
            context.log.warning(f"could not read the events of run {run.run_id}: {error!r}")
            step_failures, assets_by_step = [], {}
        payload = failure_payload(
            run,
            context.failure_event,
            step_failures,
            ui_url=configured.ui_url,
            assets_by_step=assets_by_step,
        )
        if send_notification(
            configured.failure_webhook_url,
            payload,
            context.log,
            attempts=attempts,
            timeout_seconds=timeout_seconds,
            retry_delay_seconds=retry_delay_seconds,
        ):
            context.log.info(
                f"notified the webhook on {webhook_host(configured.failure_webhook_url)} "
                f"of failed run {run.run_id}"
            )
        return None

    return notify_run_failure
