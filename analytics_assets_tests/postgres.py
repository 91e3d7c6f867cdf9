"""Test helper: a throw-away database on the local PostgreSQL server (127.0.0.1:5432, trust)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from psycopg import sql

SERVER = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


def _admin() -> psycopg.Connection:
    return psycopg.connect(**SERVER, dbname="postgres", autocommit=True, connect_timeout=3)


def require_postgres() -> None:
    """Skip when no server answers, except under CI=true where that is a failure."""
    try:
        _admin().close()
    except psycopg.OperationalError as error:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"no PostgreSQL server on 127.0.0.1:5432 ({error})")


@contextmanager
def temporary_database(prefix: str) -> Iterator[str]:
    """Create a database, yield its name, drop it (with its connections) afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with _admin() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with _admin() as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
