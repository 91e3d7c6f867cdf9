"""Run-failure notifications: a failed run's message, its delivery to a webhook, the sensor."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import dagster as dg
from dagster._core.events import JobFailureData
from dagster._core.execution.plan.objects import StepFailureData
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)
from dagster_shared.error import SerializableErrorInfo

from analytics_assets.settings import load_settings

SENSOR_NAME = "notify_run_failures"
#: Longest error line sent; the run page has the rest.
MAX_ERROR_CHARS = 500

# A run-status sensor handles up to 5 failed runs per tick (DAGSTER_RUN_STATUS_SENSOR_PROCESS_LIMIT)
# and a tick must end within 60 s (DAGSTER_SENSOR_GRPC_TIMEOUT_SECONDS). A timed-out tick keeps its
# cursor, so every later tick would time out on the same runs: these defaults bound one run's
# delivery to 3 x 3 s + 0.5 s + 1 s, five of them to about 53 s.
DEFAULT_ATTEMPTS = 3
DEFAULT_TIMEOUT_SECONDS = 3.0
DEFAULT_RETRY_DELAY_SECONDS = 0.5


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
        data = event.event_specific_data
        if isinstance(data, StepFailureData) and data.error is not None:
            line = error_first_line(data.error)
            others = len(step_failures) - 1
            return line if others == 0 else f"{line} (and {others} more failed steps)"
    if failure_event is not None:
        data = failure_event.event_specific_data
        if isinstance(data, JobFailureData) and data.error is not None:
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


def run_partition(tags: Mapping[str, str]) -> str | None:
    """``2024-01-03`` for a one-partition run, ``2024-01-01..2024-01-09`` for a range run."""
    if PARTITION_NAME_TAG in tags:
        return tags[PARTITION_NAME_TAG]
    start = tags.get(ASSET_PARTITION_RANGE_START_TAG)
    end = tags.get(ASSET_PARTITION_RANGE_END_TAG)
    if start and end:
        return start if start == end else f"{start}..{end}"
    return None


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
    partition = run_partition(run.tags)
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


def webhook_host(url: str) -> str:
    """What may be logged of a webhook URL: its host (the path is the credential)."""
    import httpx  # imported on first use: the code location loads without it

    try:
        return httpx.URL(url).host or "<no host>"
    except Exception:
        return "<invalid URL>"


class _RedactUrls(logging.Filter):
    """httpx logs every request's full URL at INFO: replace webhook URLs there by their host."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[str, str] = {}

    def add(self, url: str) -> None:
        import httpx

        host = webhook_host(url)
        self.secrets[url] = host
        with contextlib.suppress(Exception):  # not a URL httpx can parse: nothing to normalize
            self.secrets[str(httpx.URL(url))] = host

    def _redact(self, value: object) -> object:
        text = str(value)
        changed = False
        for secret, host in self.secrets.items():
            if secret in text:
                text = text.replace(secret, f"<webhook on {host}>")
                changed = True
        return text if changed else value

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets and isinstance(record.args, tuple):
            record.args = tuple(self._redact(arg) for arg in record.args)
        if self.secrets and isinstance(record.msg, str):
            record.msg = str(self._redact(record.msg))
        return True


_REDACT_URLS = _RedactUrls()


def _hide_from_httpx_logs(url: str) -> None:
    _REDACT_URLS.add(url)
    httpx_logger = logging.getLogger("httpx")
    if _REDACT_URLS not in httpx_logger.filters:
        httpx_logger.addFilter(_REDACT_URLS)


def send_notification(
    url: str,
    payload: Mapping[str, Any],
    log: logging.Logger,
    *,
    attempts: int = DEFAULT_ATTEMPTS,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    retry_delay_seconds: float = DEFAULT_RETRY_DELAY_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """POST ``payload`` to ``url``; True when delivered (2xx).

    Connection errors, timeouts and 5xx answers are retried, with doubling delays, up to
    ``attempts`` times in all; other answers are final. Never raises: giving up logs a
    warning with the payload's text, naming only the webhook's host.
    """
    import httpx

    host = webhook_host(url)
    _hide_from_httpx_logs(url)
    made, problem = 0, "no attempt made"
    try:
        with httpx.Client(timeout=timeout_seconds, follow_redirects=False) as client:
            while made < attempts:
                made += 1
                retryable = True
                try:
                    response = client.post(url, json=dict(payload))
                except httpx.UnsupportedProtocol:
                    problem, retryable = "the URL is not http(s)", False
                except httpx.TransportError as error:
                    problem = f"{type(error).__name__}: {_redacted(str(error), url, host)}"
                else:
                    if response.is_success:
                        return True
                    problem = f"HTTP {response.status_code}"
                    retryable = response.status_code >= 500
                if not retryable or made == attempts:
                    break
                sleep(retry_delay_seconds * 2 ** (made - 1))
    except Exception as error:  # an invalid URL, or anything else httpx raises: still no raise
        problem = f"{type(error).__name__}: {_redacted(str(error), url, host)}"
    log.warning(
        f"failure notification not delivered to the webhook on {host} "
        f"(gave up after {made} attempt(s), last: {problem}); message was: {payload.get('text')}"
    )
    return False


def _redacted(text: str, url: str, host: str) -> str:
    return text.replace(url, f"<webhook on {host}>")


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
    attempts: int = DEFAULT_ATTEMPTS,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    retry_delay_seconds: float = DEFAULT_RETRY_DELAY_SECONDS,
) -> dg.SensorDefinition:
    """Posts a short message for every failed run of this code location's jobs.

    The webhook URL (``ANALYTICS_FAILURE_WEBHOOK_URL``) and the UI's base URL
    (``ANALYTICS_UI_URL``) are read at each evaluation: without a webhook the sensor does
    nothing. The sensor always returns None, so Dagster goes on to the next failed run of
    the tick; a notification that cannot be delivered is logged as a warning on the tick.
    """

    @dg.run_failure_sensor(
        name=name,
        description="Posts asset, partition, error and run link of failed runs to a webhook "
        "(ANALYTICS_FAILURE_WEBHOOK_URL; none set: no notification).",
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def notify_run_failure(context: dg.RunFailureSensorContext) -> None:
        settings = load_settings()
        run = context.dagster_run
        if settings.failure_webhook_url is None:
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
            ui_url=settings.ui_url,
            assets_by_step=assets_by_step,
        )
        if send_notification(
            settings.failure_webhook_url,
            payload,
            context.log,
            attempts=attempts,
            timeout_seconds=timeout_seconds,
            retry_delay_seconds=retry_delay_seconds,
        ):
            context.log.info(
                f"notified the webhook on {webhook_host(settings.failure_webhook_url)} "
                f"of failed run {run.run_id}"
            )
        return None

    return notify_run_failure
