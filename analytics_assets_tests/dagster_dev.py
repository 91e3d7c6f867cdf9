"""Test helper: the Quickstart's start command (`analytics-assets dev`) on a temporary instance.

The process runs in its own process group and everything it started is stopped at the end,
even when the test fails. GraphQL helpers talk to its webserver as the UI does.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from analytics_assets.local.network import free_port
from analytics_assets_tests.paths import REPO_ROOT
from analytics_assets_tests.processes import clean_environment

START_TIMEOUT_SECONDS = 180


@dataclass
class DagsterDev:
    url: str
    emulator_url: str
    home: Path
    local_dir: Path
    log_path: Path

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = httpx.post(
            f"{self.url}/graphql", json={"query": query, "variables": variables or {}}, timeout=60
        )
        response.raise_for_status()
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def wait_for_runs(self, tag: str, value: str, count: int) -> list[dict]:
        """The runs tagged ``tag=value`` once ``count`` of them exist and all have ended."""
        query = """query($tags: [ExecutionTag!]) { runsOrError(filter: {tags: $tags}) {
            ... on Runs { results { runId status tags { key value } } } } }"""
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            found = self.graphql(query, {"tags": [{"key": tag, "value": value}]})["runsOrError"]
            runs = found["results"]
            if len(runs) >= count and all(r["status"] in ("SUCCESS", "FAILURE") for r in runs):
                return runs
            time.sleep(2)
        raise AssertionError(f"runs tagged {tag}={value} did not finish:\n{self.log_tail()}")

    def run_ids(self) -> set[str]:
        found = self.graphql("{ runsOrError(limit: 1000) { ... on Runs { results { runId } } } }")
        return {run["runId"] for run in found["runsOrError"]["results"]}

    def wait_for_new_run(self, known: set[str]) -> dict:
        """The first run not in ``known``, once it has ended."""
        query = "{ runsOrError(limit: 20) { ... on Runs { results { runId status } } } }"
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            runs = self.graphql(query)["runsOrError"]["results"]
            new = [run for run in runs if run["runId"] not in known]
            if new and new[-1]["status"] in ("SUCCESS", "FAILURE"):
                return new[-1]
            time.sleep(2)
        raise AssertionError(f"no new run ended:\n{self.log_tail()}")

    def latest_backfill_id(self) -> str:
        for _ in range(60):
            found = self.graphql(
                "{ partitionBackfillsOrError(limit: 1) "
                "{ ... on PartitionBackfills { results { id } } } }"
            )["partitionBackfillsOrError"]["results"]
            if found:
                return found[0]["id"]
            time.sleep(1)
        raise AssertionError("no backfill was launched")

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def _instance_yaml(home: Path, instance_yaml: Path | None) -> None:
    """``instance_yaml`` as is, or the repository's dagster.yaml with storage in ``home``;
    and the repository's workspace.yaml, so `analytics-assets dev` starts from ``home`` as
    it does from the project's folder (DAGSTER_HOME = the current folder, no warning)."""
    shutil.copy(REPO_ROOT / "workspace.yaml", home / "workspace.yaml")
    if instance_yaml is not None:
        shutil.copy(instance_yaml, home / "dagster.yaml")
        return
    text = (REPO_ROOT / "dagster.yaml").read_text()
    (home / "dagster.yaml").write_text(re.sub(r"\.local/dagster", str(home / "storage"), text))


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    for signum, wait in ((signal.SIGINT, 30), (signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            process.poll()  # reap the leader once it exits: a zombie still counts in its group
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.3)


@contextmanager
def dagster_dev(
    tmp_path: Path,
    instance_yaml: Path | None = None,
    *,
    arguments: Sequence[str] = (),
    **environment: str,
) -> Iterator[DagsterDev]:
    """`analytics-assets dev [arguments]` on a fresh instance, emulator and demo in ``tmp_path``."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    _instance_yaml(home, instance_yaml)
    local_dir = tmp_path / "local"
    port, emulator_port = free_port(), free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "ANALYTICS_LOCAL_DIR": str(local_dir),
        "ANALYTICS_EMULATOR_PORT": str(emulator_port),
        **environment,
    }
    for inherited in ("BIGQUERY_PROJECT", "BIGQUERY_EMULATOR_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(inherited, None)
    command = shutil.which("analytics-assets", path=str(Path(sys.executable).parent))
    assert command, "the analytics-assets console script is not installed in this environment"
    server = DagsterDev(
        url=f"http://127.0.0.1:{port}",
        emulator_url=f"http://127.0.0.1:{emulator_port}",
        home=home,
        local_dir=local_dir,
        log_path=tmp_path / "dagster-dev.log",
    )
    with serving(server, [command, "dev", "--port", str(port), *arguments], home, env):
        yield server


@contextmanager
def dagster_dev_in(folder: Path, bin_dir: Path, log_path: Path) -> Iterator[DagsterDev]:
    """``bin_dir``'s `analytics-assets dev` started in ``folder`` as a newcomer starts it:
    no DAGSTER_HOME, no variable of this repository (the emulator on a free port)."""
    port, emulator_port = free_port(), free_port()
    env = {
        **clean_environment(ANALYTICS_EMULATOR_PORT=str(emulator_port)),
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "VIRTUAL_ENV": str(bin_dir.parent),
    }
    env.pop("DAGSTER_HOME", None)
    local_dir = folder / ".local"
    server = DagsterDev(
        url=f"http://127.0.0.1:{port}",
        emulator_url=f"http://127.0.0.1:{emulator_port}",
        home=local_dir / "dagster",
        local_dir=local_dir,
        log_path=log_path,
    )
    command = [str(bin_dir / "analytics-assets"), "dev", "--port", str(port)]
    with serving(server, command, folder, env):
        yield server


@contextmanager
def serving(
    server: DagsterDev, command: list[str], cwd: Path, env: dict[str, str]
) -> Iterator[DagsterDev]:
    """``command`` (an `analytics-assets dev`) in its own process group until the block
    ends, its output in ``server.log_path``; yields once ``server`` answers."""
    with server.log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        _wait_until_serving(server, process)
        yield server
    finally:
        _stop_group(process)


def _wait_until_serving(server: DagsterDev, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"analytics-assets dev exited:\n{server.log_tail()}")
        try:
            if httpx.get(f"{server.url}/server_info", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"dagster dev did not answer in {START_TIMEOUT_SECONDS} s")
