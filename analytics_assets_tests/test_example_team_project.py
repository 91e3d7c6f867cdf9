"""The example team project (``examples/acme``), as a team meets the package: installed from the
built wheel in a fresh environment outside this repository, with no ``PYTHONPATH`` at all.

The adoption commands of docs/adopt.md run as written (the dry run, ``dg check defs``, one day
materialized on the embedded emulator, the team's own tests on the kit); then the project
runs as a container deployment runs it: its code served by ``dagster api grpc`` from
another folder, a run launched through that server, its rows in BigQuery.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from analytics_assets.local.network import free_port
from analytics_assets.testing import emulator_client, running_emulator
from analytics_assets_tests.paths import REPO_ROOT
from analytics_assets_tests.processes import clean_environment
from analytics_assets_tests.wheel_projects import (
    bin_on_path,
    built_wheel,
    example_project,
    fresh_environment,
    run,
)

pytestmark = pytest.mark.outside
DAY = "2026-11-02"


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_wheel(tmp_path_factory.mktemp("wheels"))


def adoption_commands() -> str:
    """The first shell block of docs/adopt.md's section "Try it on the example project"."""
    page = (REPO_ROOT / "docs" / "adopt.md").read_text()
    section = page.split("## Try it on the example project", 1)[1].split("\n## ", 1)[0]
    (commands, *_) = re.findall(r"```bash\n(.*?)```", section, re.S)
    return commands


def test_the_adoption_commands_run_as_written_in_the_example_project(wheels, tmp_path):
    project = example_project(tmp_path / "acme")
    # the embedded emulator on a port of this test's own (others may run beside it)
    variables = {
        "ANALYTICS_ASSETS_WHEELS": str(wheels),
        "ANALYTICS_EMULATOR_PORT": str(free_port()),
    }
    output = run(["bash", "-euo", "pipefail", "-c", adoption_commands()], project, variables, 900)
    assert "All definitions loaded successfully." in output
    assert re.search(r"RUN_SUCCESS", output), output[-3000:]
    assert re.search(r"\b3 passed in ", output), output[-3000:]  # the team's own tests
    assert "PYTHONPATH" not in clean_environment()
    unrelated = tmp_path / "other_tests"  # a test suite of the team's that uses no kit
    unrelated.mkdir()
    (unrelated / "test_other.py").write_text("def test_unrelated():\n    assert True\n")
    pytest_output = run([str(project / ".venv" / "bin" / "pytest"), "-q"], unrelated)
    assert "1 passed in " in pytest_output  # [testing] installed breaks no test run
    with running_emulator(project / ".local") as url:  # the data the run left there
        client = emulator_client(url)
        customers = client.query(
            "SELECT date, customers FROM analytics.customers", location="EU"
        ).result()
        orders = client.query("SELECT COUNT(*) AS n FROM analytics.order", location="EU").result()
        assert [(row.date.isoformat(), row.customers) for row in customers] == [(DAY, 5)]
        assert [row.n for row in orders] == [3]


@pytest.fixture
def served_shop(wheels: Path, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The example installed from the wheel, its shop seeded and its help desk API served;
    the variables its code server needs."""
    project = example_project(tmp_path / "acme")
    bin_dir = fresh_environment(project, wheels, "-e", str(project))
    port = free_port()
    env = {
        **bin_on_path(bin_dir),
        "ACME_DATABASE": str(tmp_path / "acme.sqlite3"),
        "ACME_HELPDESK_TOKEN": "helpdesk-token",
        "ACME_HELPDESK_URL": f"http://127.0.0.1:{port}",
    }
    python = str(bin_dir / "python")
    run([python, "manage.py", "migrate", "--verbosity", "0"], project, env)
    run([python, "manage.py", "seed_shop", "2026-11-01", "2026-11-05"], project, env)
    api = subprocess.Popen(
        [python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=project,
        env=clean_environment(**env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield env
    finally:
        api.terminate()
        api.wait(10)


def _wait_for_code_server(bin_dir: Path, port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert server.poll() is None, "dagster api grpc exited"
        check = subprocess.run(
            [str(bin_dir / "dagster"), "api", "grpc-health-check", "-p", str(port)],
            capture_output=True,
            check=False,
        )
        if check.returncode == 0:
            return
        time.sleep(1)
    raise AssertionError("the code server did not answer in 120 s")


def _finished_run(home: Path, seconds: float = 300) -> dg.DagsterRun:
    deadline = time.monotonic() + seconds
    with dg.DagsterInstance.from_config(str(home)) as instance:
        while time.monotonic() < deadline:
            runs = instance.get_runs()
            if runs and runs[0].is_finished:
                return runs[0]
            time.sleep(1)
    raise AssertionError(f"no run finished in {seconds} s")


def test_a_run_launched_through_the_code_server_of_a_deployment_succeeds(served_shop, tmp_path):
    env = served_shop
    bin_dir = Path(env["VIRTUAL_ENV"]) / "bin"
    home, elsewhere = tmp_path / "dagster_home", tmp_path / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()  # the code server's folder: not the project's (as in a container)
    # no daemon here: runs are launched when submitted (the Helm chart's daemon dequeues them)
    (home / "dagster.yaml").write_text(
        "telemetry:\n  enabled: false\nrun_coordinator:\n  module: dagster._core.run_coordinator\n"
        "  class: DefaultRunCoordinator\n"
    )
    port = free_port()
    workspace = home / "workspace.yaml"
    workspace.write_text(
        f"load_from:\n  - grpc_server:\n      host: 127.0.0.1\n      port: {port}\n"
        "      location_name: acme\n"
    )
    with running_emulator(tmp_path / "emulator") as emulator_url:
        server_env = {**env, "DAGSTER_HOME": str(home), "BIGQUERY_EMULATOR_URL": emulator_url}
        server = subprocess.Popen(
            [str(bin_dir / "dagster"), "api", "grpc", "-m", "acme_dagster.definitions",
             "-h", "127.0.0.1", "-p", str(port)],
            cwd=elsewhere,
            env=clean_environment(**server_env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            _wait_for_code_server(bin_dir, port, server)
            run(
                [str(bin_dir / "dagster"), "job", "launch", "-w", str(workspace),
                 "--location", "acme", "--job", "analytics_daily_extract",
                 "--tags", json.dumps({"dagster/partition": DAY})],
                elsewhere, {"DAGSTER_HOME": str(home), **bin_on_path(bin_dir)},
            )  # fmt: skip
            finished = _finished_run(home)
        finally:
            server.terminate()
            server.wait(30)
        assert finished.status == dg.DagsterRunStatus.SUCCESS, finished.status
        client = emulator_client(emulator_url)
        tables = {
            table: [
                row.n for row in client.query(f"SELECT COUNT(*) AS n FROM {table}", location="EU")
            ]
            for table in ("analytics.customers", "analytics.order", "analytics.ticket")
        }
    assert tables == {"analytics.customers": [1], "analytics.order": [3], "analytics.ticket": [1]}
