"""The ``analytics-assets`` console command: start the local stack, run the emulator, seed the demo.

``analytics-assets dev`` is the one command a developer needs: it starts (or reuses) the
embedded BigQuery emulator, seeds the demo Django database the first time, and runs
``dagster dev`` on this code location with the instance in ``dagster.yaml``; on exit it
stops what it started. Its terminal shows start-up, the UI's address, runs' starts and
ends, warnings and errors (:mod:`analytics_assets.dev_terminal`); ``--verbose`` shows
everything ``dagster dev`` prints.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import click

from analytics_assets.settings import Environment, Settings, SettingsError, load_settings

WORKSPACE_FILE = "workspace.yaml"
INSTANCE_FILE = "dagster.yaml"
#: ``dagster dev`` warns on every start that ``dg dev`` supersedes it. ``dg dev -w`` runs the
#: very same implementation (dagster_dg_cli's dev command calls dagster's dev_command_impl),
#: but ``dg`` (dagster-dg-cli) is a development tool, not a dependency of the installed
#: location: the warning is silenced, for that reason only, instead of adding it.
SUPERSEDED_DEV_WARNING = "ignore:Function `dev_command` is superseded:FutureWarning"
#: DAGSTER_EVENT_BATCH_SIZE: Dagster then hands a run's per-day events to the event storage in
#: batches, which the local one stores in a few INSERTs (``local/event_storage.py``).
EVENT_BATCH_SIZE = "10000"


def _seed_demo_source(settings: Settings) -> None:
    if settings.environment is not Environment.DEMO:
        return
    from analytics_assets.demo import SETTINGS_MODULE
    from analytics_assets.demo.history import ensure_demo_database
    from analytics_assets.sources.django_orm import configure_django

    configure_django(SETTINGS_MODULE)
    click.echo("Checking the demo Django database (seeded on first use)…")
    stats = ensure_demo_database()
    if stats is not None:
        click.echo(f"Seeded the demo history: {stats}")


def _dagster_home(environ: dict[str, str]) -> str:
    """DAGSTER_HOME, else the current folder when it holds the instance's dagster.yaml."""
    if environ.get("DAGSTER_HOME"):
        return environ["DAGSTER_HOME"]
    if (Path.cwd() / INSTANCE_FILE).is_file():
        return str(Path.cwd())
    raise click.UsageError(
        f"no {INSTANCE_FILE} in {Path.cwd()} and DAGSTER_HOME is not set: run this from the "
        "project's folder, or set DAGSTER_HOME to the folder of your instance's dagster.yaml"
    )


def _code_location_arguments() -> list[str]:
    """The workspace file of the current folder, else this package's definitions module."""
    if (Path.cwd() / WORKSPACE_FILE).is_file():
        return ["-w", WORKSPACE_FILE]
    return ["-m", "analytics_assets.definitions"]


def _restore_default_signals() -> None:
    # A child started from a non-interactive shell inherits "ignore SIGINT"; dagster dev
    # maps SIGTERM onto its SIGINT handler, so it would then ignore both.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def dagster_dev_command(host: str, port: int, verbose: bool) -> list[str]:
    """``dagster dev`` on this location; its services log warnings only unless ``verbose``."""
    return [
        sys.executable, "-W", SUPERSEDED_DEV_WARNING, "-m", "dagster", "dev",
        *_code_location_arguments(), "-h", host, "-p", str(port),
        "--log-level", "info" if verbose else "warning",
    ]  # fmt: skip


def _run_dagster_dev(host: str, port: int, environ: dict[str, str], verbose: bool) -> int:
    """Run ``dagster dev`` in its own process group; on exit, stop whatever it left behind.

    Ctrl-C and SIGTERM are forwarded to it. Its code servers otherwise linger until their
    heartbeat times out (about 45 s) when it is stopped in the middle of a run. Unless
    ``verbose``, its output goes through :class:`~analytics_assets.dev_terminal.QuietFilter`.
    """
    process = subprocess.Popen(
        dagster_dev_command(host, port, verbose),
        env=environ if verbose else {**environ, "PYTHONUNBUFFERED": "1"},
        preexec_fn=_restore_default_signals,
        start_new_session=True,
        stdout=None if verbose else subprocess.PIPE,
        stderr=None if verbose else subprocess.STDOUT,
    )

    def forward(signum: int, _frame: object) -> None:
        process.send_signal(signal.SIGINT if signum == signal.SIGINT else signal.SIGTERM)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    threading.Thread(target=_announce_ui, args=(host, port, process), daemon=True).start()
    # Read in a thread: processes dagster dev leaves behind keep the pipe open, and must not
    # keep this one from stopping them.
    printer = threading.Thread(target=_print_quietly, args=(process.stdout,), daemon=True)
    if process.stdout is not None:
        printer.start()
    try:
        code = process.wait()
    finally:
        _stop_process_group(process.pid)
        if printer.is_alive():
            printer.join(timeout=5)
    return code


def _print_quietly(output: IO[bytes]) -> None:
    from analytics_assets.dev_terminal import QuietFilter

    quiet = QuietFilter()
    for raw in output:
        line = raw.decode(errors="replace")
        if quiet.keep(line):
            sys.stdout.write(line)
            sys.stdout.flush()


def _announce_ui(host: str, port: int, process: subprocess.Popen[bytes]) -> None:
    """Print where the UI is once it answers (the quiet terminal drops Dagster's own line)."""
    import httpx

    url = f"http://{host}:{port}"
    while process.poll() is None:
        try:
            if httpx.get(f"{url}/server_info", timeout=2).status_code == 200:
                click.echo(f"Dagster UI ready at {url}")
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)


def _stop_process_group(group: int, grace_seconds: float = 10.0) -> None:
    """SIGTERM every process left in ``group``, then SIGKILL what is still there."""
    for signum in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(group, signum)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace_seconds
        while time.monotonic() < deadline:
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        raise click.UsageError(str(error)) from None


@click.group()
def main() -> None:
    """analytics_assets: daily analytics from a Django app into BigQuery, with Dagster."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=3000, show_default=True, type=int)
@click.option(
    "--verbose",
    is_flag=True,
    help="Print every line of dagster dev (each event of each run) instead of start-up, "
    "run starts and ends, warnings and errors.",
)
def dev(host: str, port: int, verbose: bool) -> None:
    """Start the embedded BigQuery, seed the demo source, and run `dagster dev`."""
    from analytics_assets.local.config import EMULATOR_PROJECT, load_emulator_settings
    from analytics_assets.local.emulator_process import EmbeddedEmulator
    from analytics_assets.local.network import emulator_url, is_healthy

    settings = _settings()
    if not settings.environment.uses_emulator:
        raise click.UsageError(
            "ANALYTICS_ENV=production: `analytics-assets dev` runs the local stack; in "
            "production run dagster-webserver and dagster-daemon (README, 'Production')"
        )
    environ = dict(os.environ)
    environ["DAGSTER_HOME"] = _dagster_home(environ)
    environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", EVENT_BATCH_SIZE)
    emulator = load_emulator_settings(settings.local_dir)
    owned_emulator = None
    if emulator.embedded:
        url = emulator_url(emulator.port)
        if is_healthy(url):
            click.echo(f"Reusing the embedded BigQuery emulator at {url}")
        else:
            click.echo(f"Starting the embedded BigQuery emulator on {url} …")
            owned_emulator = EmbeddedEmulator.start(
                emulator.data_dir, emulator.port, EMULATOR_PROJECT, detached=False, wait=False
            )
        environ["BIGQUERY_EMULATOR_URL"] = url
    try:
        _seed_demo_source(settings)  # while the emulator starts: the seed does not need it
        if owned_emulator is not None:
            owned_emulator.wait_until_healthy()
        click.echo(f"Starting dagster dev on http://{host}:{port}")
        code = _run_dagster_dev(host, port, environ, verbose)
    except KeyboardInterrupt:  # Ctrl-C before dagster dev was running
        code = 130
    finally:
        if owned_emulator is not None:
            click.echo("Stopping the embedded BigQuery emulator")
            owned_emulator.stop()
    sys.exit(code)


@main.group()
def emulator() -> None:
    """The embedded BigQuery emulator (data kept in .local/bigquery)."""


@emulator.command("start")
def emulator_start() -> None:
    """Start a detached emulator (reused by later runs) unless one already answers."""
    from analytics_assets.local.config import EMULATOR_PROJECT, load_emulator_settings
    from analytics_assets.local.emulator import ensure_running

    emulator = load_emulator_settings(_settings().local_dir)
    click.echo(ensure_running(emulator.data_dir, emulator.port, EMULATOR_PROJECT))


@emulator.command("stop")
def emulator_stop() -> None:
    """Stop the detached emulator started by a run or by `emulator start`."""
    from analytics_assets.local.config import load_emulator_settings
    from analytics_assets.local.emulator import stop_detached

    stopped = stop_detached(load_emulator_settings(_settings().local_dir).data_dir)
    click.echo("stopped" if stopped else "no detached emulator was running")


@main.command("seed-demo")
def seed_demo() -> None:
    """Create and seed the demo Django database if it is empty (ANALYTICS_ENV=demo)."""
    settings = _settings()
    if settings.environment is not Environment.DEMO:
        raise click.UsageError("the demo is only seeded in ANALYTICS_ENV=demo")
    _seed_demo_source(settings)


@main.command("print-extract")
@click.option(
    "-f", "--first", type=click.DateTime(["%Y-%m-%d"]), help="First day (default: the -l day)."
)
@click.option(
    "-l", "--last", type=click.DateTime(["%Y-%m-%d"]), help="Last day (default: yesterday)."
)
@click.option(
    "--extractor",
    "extractor_names",
    multiple=True,
    metavar="NAME",
    help="Only this extractor (its table name); repeatable. Default: all.",
)
def print_extract(
    first: dt.datetime | None, last: dt.datetime | None, extractor_names: tuple[str, ...]
) -> None:
    """Dry run: print each extractor's validated rows per local day; writes nothing.

    Both bounds are inclusive days (YYYY-MM-DD). Needs no BigQuery, emulator or credentials.
    Exits with 1 if a day's rows fail validation.
    """
    from rich.console import Console

    from analytics_assets.dry_run import DryRunError
    from analytics_assets.dry_run import print_extract as run_dry

    try:
        code = run_dry(
            Console(),
            first.date() if first else None,
            last.date() if last else None,
            extractor_names,
        )
    except (DryRunError, SettingsError) as error:
        raise click.UsageError(str(error)) from None
    sys.exit(code)
