"""PgBouncer in front of the local PostgreSQL server, as a team runs it beside its database.

dagster-postgres' storages open a new connection for every storage call (SQLAlchemy's
``NullPool``): against PostgreSQL that is a TCP handshake, authentication and a forked
server process each time. PgBouncer (Debian's ``pgbouncer``) keeps server connections open
and hands them to each new client connection, so the same calls connect in a fraction of
the time with Dagster's own storages unchanged. Session pooling: a client keeps its server
connection until it disconnects, so ``LISTEN``/``NOTIFY`` (the webserver's event watcher)
works as without it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CONFIG = """\
[databases]
* = host={host} port={port} user={user}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen_port}
auth_type = any
pool_mode = session
default_pool_size = 20
max_client_conn = 1000
server_reset_query = DISCARD ALL
ignore_startup_parameters = extra_float_digits,options
unix_socket_dir =
logfile = {folder}/pgbouncer.log
pidfile = {folder}/pgbouncer.pid
"""


def pgbouncer_missing_reason() -> str | None:
    """Why PgBouncer cannot be started here, or None."""
    if shutil.which("pgbouncer") is None and not Path("/usr/sbin/pgbouncer").exists():
        return "pgbouncer is not installed (apt-get install pgbouncer)"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


@contextmanager
def pgbouncer(host: str = "127.0.0.1", port: int = 5432, user: str = "postgres") -> Iterator[int]:
    """A PgBouncer on a free port of 127.0.0.1 pooling connections to ``host:port`` as
    ``user``; yields its port, stops it at the end. (As root it runs as ``postgres``:
    PgBouncer refuses to run as root.)"""
    executable = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    folder = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    listen_port = _free_port()
    config = folder / "pgbouncer.ini"
    config.write_text(
        CONFIG.format(host=host, port=port, user=user, listen_port=listen_port, folder=folder)
    )
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(config, "postgres")
        as_user = ["-u", "postgres"]
    process = subprocess.Popen(
        [executable, *as_user, str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while not _answers(listen_port):
            if process.poll() is not None or time.monotonic() > deadline:
                log = folder / "pgbouncer.log"
                text = log.read_text() if log.exists() else "(no log)"
                raise RuntimeError(f"pgbouncer did not start:\n{text[-2000:]}")
            time.sleep(0.1)
        yield listen_port
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(folder, ignore_errors=True)
