"""The production Dagster instance for the benchmark: deploy/dagster.yaml on a throw-away database.

Runs and events then live in PostgreSQL as in production (the embedded default keeps them
in SQLite files), in dagster-postgres' own storages as the official Helm chart and Dagster+
configure them; the database is created on the local server (127.0.0.1:5432, trust
authentication, as on the CI machines) and dropped afterwards. The runs execute in this
process with the run worker environment production documents (docs/deploy.md):
``DAGSTER_EVENT_BATCH_SIZE``, which makes Dagster store a ranged output's materializations
as one multi-row INSERT. The levers a platform team can pull are variants: PgBouncer in
front of the server (:mod:`benchmarks.pgbouncer`), and the optional pooled event storage of
this package (``analytics_assets/deploy/event_storage.py``), which only an instance whose
every Dagster process can import this package may use.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from pathlib import Path
from unittest import mock

import dagster as dg
import psycopg
import yaml
from psycopg import sql

import analytics_assets
from benchmarks.pgbouncer import pgbouncer

PRODUCTION_YAML = Path(analytics_assets.__file__).parent / "deploy" / "dagster.yaml"
SERVER = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
#: The production run worker's environment (deploy/dagster.yaml, docs/deploy.md).
RUN_WORKER_ENVIRONMENT = {"DAGSTER_EVENT_BATCH_SIZE": "10000"}


def postgres_unreachable_reason() -> str | None:
    """Why the local PostgreSQL server cannot be used, or None when it answers."""
    try:
        psycopg.connect(**SERVER, dbname="postgres", connect_timeout=3).close()
    except psycopg.OperationalError as error:
        return f"no PostgreSQL server on {SERVER['host']}:{SERVER['port']} ({error})"
    return None


def _execute(statement: sql.Composed) -> None:
    with psycopg.connect(**SERVER, dbname="postgres", autocommit=True) as admin:
        admin.execute(statement)


def production_yaml(pooled_events: bool = False) -> str:
    """The production dagster.yaml; with ``pooled_events``, its event storage replaced by
    this package's pooled one (the optional lever)."""
    text = PRODUCTION_YAML.read_text()
    if not pooled_events:
        return text
    config = yaml.safe_load(text)
    config["event_log_storage"] = {
        "module": "analytics_assets.deploy.event_storage",
        "class": "PooledPostgresEventLogStorage",
        "config": config["event_log_storage"]["config"],
    }
    return yaml.safe_dump(config)


def instance_environment(database: str, port: int | None = None) -> dict[str, str]:
    """The DAGSTER_PG_* variables the production dagster.yaml reads, for the local server
    (through PgBouncer on ``port`` when given)."""
    return {
        "DAGSTER_PG_HOST": SERVER["host"],
        "DAGSTER_PG_PORT": str(port or SERVER["port"]),
        "DAGSTER_PG_USER": SERVER["user"],
        "DAGSTER_PG_PASSWORD": "ignored-by-trust-authentication",
        "DAGSTER_PG_DB": database,
    }


@contextmanager
def production_instance(
    run_worker: Mapping[str, str] = RUN_WORKER_ENVIRONMENT,
    *,
    through_pgbouncer: bool = True,
    pooled_events: bool = False,
) -> Iterator[dg.DagsterInstance]:
    """A DagsterInstance built from the production dagster.yaml on a fresh database, with
    ``run_worker`` set in the environment while it is used, reaching PostgreSQL through
    PgBouncer unless told otherwise; ``pooled_events``: with this package's event storage."""
    database = f"benchmark_instance_{uuid.uuid4().hex[:8]}"
    _execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    try:
        with (
            pgbouncer() if through_pgbouncer else nullcontext(None) as port,
            tempfile.TemporaryDirectory(prefix="benchmark-production-") as home,
            mock.patch.dict(os.environ, {**instance_environment(database, port), **run_worker}),
        ):
            (Path(home) / "dagster.yaml").write_text(production_yaml(pooled_events))
            instance = dg.DagsterInstance.from_config(home)
            try:
                yield instance
            finally:
                instance.dispose()
    finally:
        _execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
        )
