"""Test helper: the example project's deploy artifacts, applied the way their platforms apply them.

* :class:`DockerfileSteps` runs the code image's Dockerfile (``examples/acme/Dockerfile``)
  without a Docker engine: its ``ENV``, ``WORKDIR``, ``COPY`` and ``RUN`` steps, each path
  of the image re-rooted under a folder, so the code environment is built by the very
  commands the image runs; its ``CMD`` is the code server's command. Steps that only make
  sense in an image (creating its user, installing uv into the base image) are left out.
* :func:`chart_instance` renders the instance's ``dagster.yaml`` from the Helm values
  (``examples/acme/deploy/helm-values.yaml``) the way the official chart renders its
  instance ConfigMap: dagster-postgres' storages, the QueuedRunCoordinator and run
  monitoring from ``dagsterDaemon``, ``additionalInstanceConfig`` as is; the run launcher
  is the default one (no cluster here), and PostgreSQL is reached through ``pg_port``.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from analytics_assets_tests.processes import clean_environment

#: RUN steps of the image only: the base image's tool (uv) and the image's user.
IMAGE_ONLY = ("pip install --no-cache-dir",)
#: The image's own folders, re-rooted; the image's no-cache setting is left out (the build
#: cache of this machine is used, the result is the same).
IMAGE_PATHS = re.compile(r"(?<![\w/])/(opt|app)\b")
LEFT_OUT = ("UV_NO_CACHE",)


@dataclass
class DockerfileSteps:
    """The steps of a Dockerfile, run with the image's ``/`` at ``root``."""

    dockerfile: Path
    root: Path
    env: dict[str, str] = field(default_factory=dict)
    workdir: Path | None = None

    def path(self, image_path: str) -> Path:
        return self.root / image_path.lstrip("/")

    def _rerooted(self, text: str) -> str:
        return IMAGE_PATHS.sub(lambda found: str(self.root / found.group(1)), text)

    def build(self, context: Path) -> list[str]:
        """Run every step with ``context`` as the build context; the image's CMD."""
        self.root.mkdir(parents=True, exist_ok=True)
        command: list[str] = []
        for instruction, argument in _instructions(self.dockerfile):
            if instruction == "ENV":
                for name, value in _assignments(argument):
                    if name not in LEFT_OUT:
                        self.env[name] = self._rerooted(value.replace("$PATH", "{PATH}"))
            elif instruction == "WORKDIR":
                self.workdir = self.path(argument)
                self.workdir.mkdir(parents=True, exist_ok=True)
            elif instruction == "COPY":
                *sources, destination = shlex.split(argument)
                for source in sources:
                    self._copy(context / source, destination)
            elif instruction == "RUN" and not argument.startswith(IMAGE_ONLY):
                self._run(argument)
            elif instruction == "CMD":
                command = json.loads(argument)
        return command

    def _copy(self, source: Path, destination: str) -> None:
        """COPY: a folder's contents into the destination folder, a file into (``dir/``) or
        as the destination, relative to the working directory."""
        assert self.workdir is not None, "COPY before WORKDIR"
        target = self.workdir / destination
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
            return
        if destination.endswith("/"):
            target = target / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, target)

    def environment(self) -> dict[str, str]:
        """The image's variables, on top of this machine's (without this repository's)."""
        base = clean_environment()
        return {**base, **{k: v.replace("{PATH}", base["PATH"]) for k, v in self.env.items()}}

    def _run(self, command: str) -> None:
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", self._rerooted(command)],
            cwd=self.workdir or self.root,
            env=self.environment(),
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        assert done.returncode == 0, f"RUN {command}:\n{(done.stdout + done.stderr)[-4000:]}"


def _instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(instruction, argument) of each step, continuation lines joined, comments dropped."""
    steps, pending = [], ""
    for line in dockerfile.read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending += line.rstrip("\\").strip() + " "
        if not line.rstrip().endswith("\\"):
            instruction, _, argument = pending.strip().partition(" ")
            steps.append((instruction.upper(), argument.strip()))
            pending = ""
    return steps


def _assignments(argument: str) -> list[tuple[str, str]]:
    return [tuple(item.split("=", 1)) for item in shlex.split(argument)]  # type: ignore[misc]


def chart_instance(values: dict[str, Any], pg_port: int, database: str) -> dict[str, Any]:
    """The dagster.yaml the chart renders from ``values`` (run launcher: the default one)."""
    postgres_db = {
        "username": "postgres",
        "password": {"env": "DAGSTER_PG_PASSWORD"},
        "hostname": "127.0.0.1",
        "db_name": database,
        "port": pg_port,
    }
    if values["postgresql"].get("postgresqlScheme"):
        postgres_db["scheme"] = values["postgresql"]["postgresqlScheme"]
    daemon = values["dagsterDaemon"]
    queued = daemon["runCoordinator"].get("config", {}).get("queuedRunCoordinator", {})
    monitoring = daemon["runMonitoring"]
    coordinator_config = {  # what the chart writes: only the keys set
        name: queued[key]
        for key, name in (
            ("maxConcurrentRuns", "max_concurrent_runs"),
            ("tagConcurrencyLimits", "tag_concurrency_limits"),
            ("dequeueIntervalSeconds", "dequeue_interval_seconds"),
        )
        if queued.get(key)
    }
    instance: dict[str, Any] = {
        "telemetry": {"enabled": False},
        "run_storage": {
            "module": "dagster_postgres.run_storage",
            "class": "PostgresRunStorage",
            "config": {"postgres_db": postgres_db},
        },
        "event_log_storage": {
            "module": "dagster_postgres.event_log",
            "class": "PostgresEventLogStorage",
            "config": {"postgres_db": postgres_db},
        },
        "schedule_storage": {
            "module": "dagster_postgres.schedule_storage",
            "class": "PostgresScheduleStorage",
            "config": {"postgres_db": postgres_db},
        },
        "run_coordinator": {
            "module": "dagster._core.run_coordinator",
            "class": "QueuedRunCoordinator",
            **({"config": coordinator_config} if coordinator_config else {}),
        },
        "run_monitoring": {
            "enabled": monitoring["enabled"],
            "start_timeout_seconds": monitoring["startTimeoutSeconds"],
            "poll_interval_seconds": monitoring["pollIntervalSeconds"],
            "free_slots_after_run_end_seconds": monitoring["freeSlotsAfterRunEndSeconds"],
        },
    }
    return {**instance, **values.get("additionalInstanceConfig", {})}


def write_yaml(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path
