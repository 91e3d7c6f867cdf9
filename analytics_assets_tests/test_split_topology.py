"""The split topology of the official Helm chart (and of Dagster+ Hybrid), on this machine.

* a "system" environment holding only Dagster's own packages (dagster, dagster-webserver,
  dagster-postgres: what the chart's images hold) runs the webserver and the daemon, on
  PostgreSQL through PgBouncer, with the ``dagster.yaml`` the chart renders from the example's
  Helm values (``examples/acme/deploy/helm-values.yaml``);
* the team's code environment is built by the commands of its Dockerfile, from the wheel,
  and served by the Dockerfile's own ``dagster api grpc``, reached through a workspace
  ``grpc_server`` entry; runs are launched into it. It runs ``ANALYTICS_ENV=production``,
  BigQuery's calls sent to an emulator (``BIGQUERY_API_ENDPOINT``: the production path
  rehearsed, no credentials sent to this machine).

A 30-day catch-up starts; while its run waits on the help desk API, its run worker is
killed with ``kill -9``: the code server marks the run failed, its table slot is freed, the
next ticks re-request its days. Then the code server itself is killed with ``kill -9`` and
started again: the daemon and the webserver reach the new one, the retried runs go there,
and every day goes green with every row in BigQuery exactly once. (With Dagster's default
run launcher a run worker is the code server's child: kill both at once and no process is
left to report the run; the chart's K8sRunLauncher checks each run's pod instead, which
this machine cannot show.)
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import yaml

from analytics_assets.extract import last_complete_day
from analytics_assets.local.network import free_port
from analytics_assets.testing import emulator_client, running_emulator
from analytics_assets_tests.dagster_dev import DagsterDev
from analytics_assets_tests.dates import days_left_to_the_schedule
from analytics_assets_tests.deploy_shapes import DockerfileSteps, chart_instance, write_yaml
from analytics_assets_tests.http_servers import json_server
from analytics_assets_tests.postgres import require_postgres, temporary_database
from analytics_assets_tests.processes import clean_environment
from analytics_assets_tests.wheel_projects import (
    EXAMPLE,
    built_wheel,
    example_project,
    fresh_environment,
    run,
)
from benchmarks.dev_server import DevServer
from benchmarks.pgbouncer import pgbouncer, pgbouncer_missing_reason

pytestmark = [pytest.mark.outside, pytest.mark.postgres]
PARIS = ZoneInfo("Europe/Paris")
DAYS = 30
LOCATION = "acme"
GREEN_WITHIN_SECONDS = 420


@contextmanager
def process_group(
    command: list[str], cwd: Path, env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """``command`` in a process group of its own, stopped with what it started at the end."""
    with log.open("ab") as output:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        yield process
    finally:
        kill_group(process, signal.SIGTERM)


def kill_group(process: subprocess.Popen[bytes], signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        return
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


class HelpDesk:
    """The help desk API: a ticket at noon of every day; the first request is held until
    :meth:`release`, so a run is caught in the middle."""

    def __init__(self) -> None:
        self.held = threading.Event()
        self.released = threading.Event()

    def answer(self, path: str, query: dict[str, str], headers: dict[str, str]) -> Any:
        if not self.held.is_set():
            self.held.set()
            self.released.wait(120)
        start = dt.datetime.fromisoformat(query["opened_after"])
        noon = start.replace(hour=12)
        item = {"id": noon.toordinal(), "opened_at": noon.isoformat(), "channel": "email"}
        return 200, {"count": 1, "results": [item] if query.get("page", "1") == "1" else []}

    def release(self) -> None:
        self.released.set()


def _deploy_attributes(project: Path, first: dt.date) -> None:
    """The instance's YAML as this deployment sets it: its first day, ticks and retries quick."""
    path = project / "acme_dagster" / "defs" / "analytics" / "defs.yaml"
    document = yaml.safe_load(path.read_text())
    document["attributes"] |= {
        "first_date": first.isoformat(),
        "catch_up": {"interval_seconds": 30, "retry_failed_after_minutes": 0},
    }
    document["attributes"]["warehouse"]["api_endpoint"] = "{{ env('BIGQUERY_API_ENDPOINT', '') }}"
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def _versions(python: Path) -> dict[str, str]:
    """The system packages at the code image's Dagster versions (the webserver is Dagster's)."""
    code = "from importlib.metadata import version as v; print(v('dagster'), v('dagster-postgres'))"
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    dagster, postgres = done.stdout.split()
    return {"dagster": dagster, "dagster-webserver": dagster, "dagster-postgres": postgres}


def _run_status(dev: DagsterDev, run_id: str) -> str:
    query = "query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"
    return dev.graphql(query, {"id": run_id})["runOrError"]["status"]


def _wait_for_status(dev: DagsterDev, run_id: str, status: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while _run_status(dev, run_id) != status:
        assert time.monotonic() < deadline, f"run {run_id} not {status} in {seconds} s"
        time.sleep(1)


def _run_workers(group: int) -> list[int]:
    """The run workers (processes the code server spawns) in its process group."""
    listed = subprocess.run(
        ["pgrep", "-g", str(group), "-f", "spawn_main"], capture_output=True, text=True
    )
    return [int(pid) for pid in listed.stdout.split()]


def _started_run(dev: DagsterDev) -> dict[str, Any]:
    query = "{ runsOrError { ... on Runs { results { runId status } } } }"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        try:
            runs = dev.graphql(query)["runsOrError"]["results"]
        except httpx.HTTPError:  # the webserver is still starting
            time.sleep(1)
            continue
        started = [run for run in runs if run["status"] == "STARTED"]
        if started:
            return started[0]
        time.sleep(1)
    raise AssertionError(f"no run started in 240 s:\n{dev.log_tail()}")


def _log_tails(logs: Path) -> str:
    return "\n".join(f"== {log.name}\n{log.read_text()[-3000:]}" for log in sorted(logs.iterdir()))


def _green(dev: DagsterDev) -> bool:
    watcher = DevServer(dev.url)
    try:
        statuses = watcher.partitions()
    finally:
        watcher.close()
    return bool(statuses) and all(s.partitions - s.materialized <= 1 for s in statuses)


def test_dagster_s_own_processes_run_and_recover_the_catch_up_of_a_separate_code_server(
    tmp_path,
):
    require_postgres()
    missing = pgbouncer_missing_reason()
    if missing:
        pytest.skip(missing)
    yesterday = last_complete_day(dt.datetime.now(dt.UTC), PARIS)
    first = yesterday - dt.timedelta(days=DAYS - 1)
    wheels = built_wheel(tmp_path / "wheels")

    context = example_project(tmp_path / "context")
    (context / "wheels").mkdir()
    for wheel in wheels.glob("*.whl"):
        (context / "wheels" / wheel.name).write_bytes(wheel.read_bytes())
    _deploy_attributes(context, first)
    image = DockerfileSteps(context / "Dockerfile", tmp_path / "image")
    code_command = image.build(context)
    code_bin = image.path("/opt/venv/bin")

    versions = _versions(code_bin / "python")
    system = fresh_environment(
        tmp_path / "system", wheels, *(f"{name}=={v}" for name, v in versions.items())
    )
    no_package = subprocess.run([str(system / "python"), "-c", "import analytics_assets"],
                                cwd=tmp_path, env=clean_environment(), capture_output=True,
                                text=True, check=False)  # fmt: skip
    assert no_package.returncode == 1 and "No module named 'analytics_assets'" in no_package.stderr

    values = yaml.safe_load((EXAMPLE / "deploy" / "helm-values.yaml").read_text())
    deployment = values["dagster-user-deployments"]["deployments"][0]
    code_port, web_port = free_port(), free_port()
    home = tmp_path / "dagster_home"
    home.mkdir()
    desk = HelpDesk()
    with (
        temporary_database("split_topology") as database,
        pgbouncer() as pg_port,
        running_emulator(tmp_path / "emulator") as emulator_url,
        json_server(desk.answer) as helpdesk,
    ):
        write_yaml(home / "dagster.yaml", chart_instance(values, pg_port, database))
        write_yaml(
            home / "workspace.yaml",
            {"load_from": [{"grpc_server": {"host": "127.0.0.1", "port": code_port,
                                             "location_name": LOCATION}}]},
        )  # fmt: skip
        instance_env = {"DAGSTER_HOME": str(home), "DAGSTER_PG_PASSWORD": "trust"}
        code_env = {
            **image.environment(),
            **deployment["env"],
            **instance_env,
            "BIGQUERY_PROJECT": "local-project",  # the emulator's
            "BIGQUERY_API_ENDPOINT": emulator_url,
            "ACME_HELPDESK_URL": helpdesk.url,
            "ACME_HELPDESK_TOKEN": "helpdesk-token",
            "ACME_DATABASE": str(tmp_path / "acme.sqlite3"),
        }
        app = image.path("/app")
        python = str(code_bin / "python")
        run([python, "manage.py", "migrate", "--verbosity", "0"], app, code_env)
        run([python, "manage.py", "seed_shop", first.isoformat(), yesterday.isoformat()],
            app, code_env)  # fmt: skip
        serve = [*code_command[:-4], "-p", str(code_port), *code_command[-2:]]
        serve[serve.index("0.0.0.0")] = "127.0.0.1"
        system_env = {**clean_environment(), **instance_env}
        logs = tmp_path / "logs"
        logs.mkdir()
        dev = DagsterDev(
            f"http://127.0.0.1:{web_port}", emulator_url, home, tmp_path, logs / "daemon.log"
        )
        started = time.monotonic()
        timeline: dict[str, float] = {}
        code = process_group(serve, app, code_env, logs / "code.log")
        with (
            code as code_server,
            process_group([str(system / "dagster-daemon"), "run", "-w", "workspace.yaml"],
                          home, system_env, logs / "daemon.log"),
            process_group([str(system / "dagster-webserver"), "-w", "workspace.yaml",
                           "-h", "127.0.0.1", "-p", str(web_port)],
                          home, system_env, logs / "webserver.log"),
        ):  # fmt: skip
            killed = _started_run(dev)
            while not desk.held.is_set():  # the run is in its ticket step, mid-run
                time.sleep(0.5)
            timeline["run started, waiting on the API"] = time.monotonic() - started
            (worker,) = _run_workers(code_server.pid)
            os.kill(worker, signal.SIGKILL)
            desk.release()
            _wait_for_status(dev, killed["runId"], "FAILURE")
            timeline["run worker killed, run failed"] = time.monotonic() - started
            kill_group(code_server, signal.SIGKILL)
            timeline["code server killed"] = time.monotonic() - started
            with process_group(serve, app, code_env, logs / "code-restarted.log"):
                timeline["code server back"] = time.monotonic() - started
                deadline = time.monotonic() + GREEN_WITHIN_SECONDS
                while not _green(dev):
                    assert time.monotonic() < deadline, _log_tails(logs)
                    time.sleep(5)
                timeline["every day green"] = time.monotonic() - started
                runs = dev.graphql(
                    "{ runsOrError { ... on Runs { results { runId status tags "
                    "{ key value } } } } }"
                )["runsOrError"]["results"]
        client = emulator_client(emulator_url)

        def query(sql: str) -> list[tuple[Any, ...]]:
            return [tuple(row.values()) for row in client.query(sql, location="EU").result()]

        per_day = {
            table: query(
                f"SELECT COUNT(DISTINCT date), COUNT(*), MIN(date) FROM analytics.{table}"
            )[0]
            for table in ("customers", "ticket")
        }
    status = {run["runId"]: run["status"] for run in runs}
    assert status[killed["runId"]] == "FAILURE"
    assert {s for rid, s in status.items() if rid != killed["runId"]} == {"SUCCESS"}
    days = DAYS - days_left_to_the_schedule()  # the newest days may be the schedule's still
    assert per_day["customers"] == (days, days, first)  # one row a day, each day once
    assert per_day["ticket"] == (days, days, first)  # one ticket a day, none twice
    print(f"timeline (s): {timeline}; runs: {len(runs)}")
