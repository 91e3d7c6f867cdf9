"""A failed run becomes one short webhook message: asset, partition, first error line, run link.

The webhook is a real HTTP server on 127.0.0.1; the failed runs are real runs of a failing
partitioned asset on an ephemeral instance, seen by full ticks of the sensor.
"""

from __future__ import annotations

import json
import logging
import socket
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest
from dagster._core.definitions.run_status_sensor_definition import RunStatusSensorDefinition
from dagster._utils.error import serializable_error_info_from_exc_info

from analytics_assets.assembly.run_tags import RANGE_END_TAG, RANGE_START_TAG
from analytics_assets.automation.notifications import (
    SENSOR_NAME,
    build_failure_notification_sensor,
    error_first_line,
)

WEBHOOK_ENV = "ANALYTICS_FAILURE_WEBHOOK_URL"
UI_ENV = "ANALYTICS_UI_URL"
#: The credential part of a webhook URL, which must never be logged.
SECRET_PATH = "/hooks/T000/B000/s3cr3t-token"
UI_URL = "https://dagster.example.org/"
PARTITIONS = dg.DailyPartitionsDefinition(start_date="2024-01-01", timezone="UTC")


@dg.asset(partitions_def=PARTITIONS, backfill_policy=dg.BackfillPolicy.single_run())
def flaky_source() -> None:
    raise ConnectionError("source went away\nsecond line")


@dg.asset(partitions_def=PARTITIONS, backfill_policy=dg.BackfillPolicy.single_run())
def steady_source() -> int:
    return 1


@dataclass
class Webhook:
    """A webhook receiver answering ``statuses`` in turn (then 200), recording what it got."""

    url: str
    statuses: list[int]
    requests: list[tuple[str, dict]] = field(default_factory=list)

    @property
    def bodies(self) -> list[dict]:
        return [body for _, body in self.requests]


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    state = Webhook(url="", statuses=[])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            state.requests.append((self.path, json.loads(self.rfile.read(length))))
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}{SECRET_PATH}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def unreachable_url() -> str:
    """A URL on a local port nobody listens on: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}{SECRET_PATH}"


class Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self, level: int = logging.DEBUG) -> str:
        return "\n".join(r.getMessage() for r in self.records if r.levelno >= level)


@dataclass
class Tick:
    result: dg.SensorExecutionData
    log: Recorder

    @property
    def errors(self) -> list:
        return [reaction.error for reaction in self.result.dagster_run_reactions or []]


def tick(sensor: dg.SensorDefinition, instance: dg.DagsterInstance, cursor: str | None) -> Tick:
    context = dg.build_sensor_context(instance=instance, cursor=cursor)
    recorder = Recorder()
    context.log.addHandler(recorder)
    return Tick(sensor.evaluate_tick(context), recorder)


@dataclass
class FailedRun:
    instance: dg.DagsterInstance
    run: dg.DagsterRun
    cursor: str


def fail_run(partition_key: str | None = None, tags: dict[str, str] | None = None) -> FailedRun:
    """A real failed run of ``flaky_source``, after a first tick has set the sensor's cursor."""
    instance = dg.DagsterInstance.ephemeral()
    first = tick(build_failure_notification_sensor(), instance, None).result
    assert first.cursor is not None
    result = dg.materialize(
        [flaky_source],
        instance=instance,
        partition_key=partition_key,
        tags=tags,
        raise_on_error=False,
    )
    assert not result.success
    return FailedRun(instance, result.dagster_run, first.cursor)


@pytest.fixture
def failed_day() -> FailedRun:
    return fail_run(partition_key="2024-01-03")


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch, webhook: Webhook) -> Webhook:
    monkeypatch.setenv(WEBHOOK_ENV, webhook.url)
    monkeypatch.setenv(UI_ENV, UI_URL)
    return webhook


def fast_sensor() -> dg.SensorDefinition:
    return build_failure_notification_sensor(retry_delay_seconds=0.01)


def test_failed_partition_run_posts_asset_partition_first_error_line_and_run_link(
    configured: Webhook, failed_day: FailedRun
) -> None:
    result = tick(fast_sensor(), failed_day.instance, failed_day.cursor)

    run_id = failed_day.run.run_id
    url = f"https://dagster.example.org/runs/{run_id}"
    assert configured.requests == [
        (
            SECRET_PATH,
            {
                "text": "Dagster run failed: flaky_source (partition 2024-01-03): "
                f"ConnectionError: source went away\n{url}",
                "asset": "flaky_source",
                "assets": ["flaky_source"],
                "partition": "2024-01-03",
                "error": "ConnectionError: source went away",
                "job": "__ephemeral_asset_job__",
                "run_id": run_id,
                "url": url,
            },
        )
    ]
    assert result.errors == [None]
    assert SECRET_PATH not in result.log.text()


def test_range_run_reports_the_partition_range(configured: Webhook) -> None:
    failed = fail_run(tags={RANGE_START_TAG: "2024-01-01", RANGE_END_TAG: "2024-01-09"})

    tick(fast_sensor(), failed.instance, failed.cursor)

    [body] = configured.bodies
    assert body["partition"] == "2024-01-01..2024-01-09"
    assert body["text"].startswith(
        "Dagster run failed: flaky_source (partition 2024-01-01..2024-01-09): "
        "ConnectionError: source went away\n"
    )


def test_job_run_names_only_the_failed_asset_of_its_selection(configured: Webhook) -> None:
    instance = dg.DagsterInstance.ephemeral()
    cursor = tick(fast_sensor(), instance, None).result.cursor
    job = dg.define_asset_job("daily_extract", selection=[flaky_source, steady_source])
    defs = dg.Definitions(assets=[flaky_source, steady_source], jobs=[job])
    result = defs.resolve_job_def("daily_extract").execute_in_process(
        instance=instance, partition_key="2024-01-05", raise_on_error=False
    )
    assert not result.success
    # In-process runs record an empty asset_selection: the failed step names the asset.

    tick(fast_sensor(), instance, cursor)

    [body] = configured.bodies
    assert (body["assets"], body["partition"], body["job"]) == (
        ["flaky_source"],
        "2024-01-05",
        "daily_extract",
    )


def test_no_webhook_configured_sends_nothing_and_raises_nothing(
    monkeypatch: pytest.MonkeyPatch, webhook: Webhook, failed_day: FailedRun
) -> None:
    monkeypatch.delenv(WEBHOOK_ENV, raising=False)

    result = tick(fast_sensor(), failed_day.instance, failed_day.cursor)

    assert webhook.requests == []
    assert result.errors == [None]
    assert result.log.text(logging.INFO) == ""
    assert "no ANALYTICS_FAILURE_WEBHOOK_URL" in result.log.text()


def test_webhook_url_is_read_at_each_evaluation_not_at_definition(
    monkeypatch: pytest.MonkeyPatch, webhook: Webhook, failed_day: FailedRun
) -> None:
    monkeypatch.delenv(WEBHOOK_ENV, raising=False)
    sensor = fast_sensor()
    monkeypatch.setenv(WEBHOOK_ENV, webhook.url)

    tick(sensor, failed_day.instance, failed_day.cursor)

    assert len(webhook.requests) == 1


def test_webhook_answering_500_twice_then_200_gets_the_message_once_after_retries(
    configured: Webhook, failed_day: FailedRun
) -> None:
    configured.statuses = [500, 503]

    result = tick(fast_sensor(), failed_day.instance, failed_day.cursor)

    # Three identical POSTs, of which only the last was accepted: delivered exactly once.
    assert len(configured.requests) == 3
    assert configured.statuses == []
    assert all(body == configured.bodies[0] for body in configured.bodies)
    assert result.log.text(logging.WARNING) == ""
    assert result.errors == [None]


def test_webhook_failing_every_attempt_gives_up_with_a_warning(
    configured: Webhook, failed_day: FailedRun
) -> None:
    configured.statuses = [500, 500, 500, 500]

    result = tick(fast_sensor(), failed_day.instance, failed_day.cursor)

    assert len(configured.requests) == 3
    warning = result.log.text(logging.WARNING)
    assert "gave up after 3 attempt(s), last: HTTP 500" in warning
    assert "flaky_source (partition 2024-01-03)" in warning
    assert result.errors == [None]


def test_webhook_rejecting_the_message_is_not_retried(
    configured: Webhook, failed_day: FailedRun
) -> None:
    configured.statuses = [400]

    result = tick(fast_sensor(), failed_day.instance, failed_day.cursor)

    assert len(configured.requests) == 1
    assert "HTTP 400" in result.log.text(logging.WARNING)


def test_unreachable_webhook_logs_a_warning_naming_only_its_host(
    monkeypatch: pytest.MonkeyPatch,
    unreachable_url: str,
    failed_day: FailedRun,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(WEBHOOK_ENV, unreachable_url)
    caplog.set_level(logging.DEBUG)

    result = tick(fast_sensor(), failed_day.instance, failed_day.cursor)

    warning = result.log.text(logging.WARNING)
    assert "not delivered to the webhook on 127.0.0.1" in warning
    assert "gave up after 3 attempt(s), last: ConnectError" in warning
    assert result.errors == [None]
    captured = capfd.readouterr()
    for text in (result.log.text(), caplog.text, captured.out, captured.err):
        assert SECRET_PATH not in text
        assert unreachable_url not in text


def test_webhook_url_stays_out_of_httpx_request_logs(
    configured: Webhook, failed_day: FailedRun, caplog: pytest.LogCaptureFixture
) -> None:
    configured.statuses = [500]
    caplog.set_level(logging.DEBUG)

    tick(fast_sensor(), failed_day.instance, failed_day.cursor)

    httpx_lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert len(httpx_lines) == 2  # one line per request: the logger is on, with the host only
    assert all("<webhook on 127.0.0.1>" in line for line in httpx_lines)
    assert SECRET_PATH not in caplog.text


def test_error_line_names_project_errors_by_class_not_module_path() -> None:
    class ExtractorFailedError(RuntimeError):
        pass

    try:
        raise ExtractorFailedError("extractor 'user' failed on day 2024-01-03\ndetails")
    except ExtractorFailedError:
        error = serializable_error_info_from_exc_info(sys.exc_info())

    assert error.message.startswith(f"{__name__}.")
    first_line = "ExtractorFailedError: extractor 'user' failed on day 2024-01-03"
    assert error_first_line(error) == first_line


def test_sensor_runs_by_default_and_watches_every_job_of_the_location() -> None:
    sensor = build_failure_notification_sensor()

    assert sensor.name == SENSOR_NAME
    assert isinstance(sensor, RunStatusSensorDefinition)
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    defs = dg.Definitions(assets=[flaky_source], sensors=[sensor])
    dg.Definitions.validate_loadable(defs)
    assert defs.resolve_sensor_def(SENSOR_NAME).default_status == dg.DefaultSensorStatus.RUNNING
