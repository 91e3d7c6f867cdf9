"""The ``analytics-assets`` console command: start the local stack, run the emulator, seed the demo.

``analytics-assets dev`` is the one command a developer needs: it starts (or reuses) the
embedded BigQuery emulator, seeds the demo Django database the first time, and runs
``dagster dev`` on the folder's code location with the packaged instance settings
(:mod:`analytics_assets.dev_stack`); on exit it stops what it started. Its terminal shows
start-up, the UI's address, runs' starts and ends, warnings and errors
(:mod:`analytics_assets.dev_terminal`); ``--verbose`` shows everything ``dagster dev`` prints.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import click

from analytics_assets.dev_stack import (
    EVENT_BATCH_SIZE,
    dagster_home,
    is_team_project,
    run_dagster_dev,
)
from analytics_assets.settings import Environment, Settings, SettingsError, load_settings


def _seed_demo_source(settings: Settings) -> None:
    if settings.environment is not Environment.DEMO or is_team_project():
        return
    from analytics_assets.demo import SETTINGS_MODULE
    from analytics_assets.demo.history import ensure_demo_database
    from analytics_assets.sources.django_orm import configure_django

    configure_django(SETTINGS_MODULE)
    click.echo("Checking the demo Django database (seeded on first use)…")
    stats = ensure_demo_database()
    if stats is not None:
        click.echo(f"Seeded the demo history: {stats}")


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
    from analytics_assets.local.emulator_supervisor import EmulatorSupervisor
    from analytics_assets.local.network import emulator_url, is_healthy

    settings = _settings()
    if not settings.environment.uses_emulator:
        raise click.UsageError(
            "ANALYTICS_ENV=production: `analytics-assets dev` runs the local stack; in "
            "production run dagster-webserver and dagster-daemon (docs/deploy.md)"
        )
    environ = dict(os.environ)
    environ["DAGSTER_HOME"] = dagster_home(environ, settings.local_dir)
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
    supervisor = None
    try:
        _seed_demo_source(settings)  # while the emulator starts: the seed does not need it
        if owned_emulator is not None:
            owned_emulator.wait_until_healthy()
            supervisor = EmulatorSupervisor(owned_emulator, EMULATOR_PROJECT, say=_warn).start()
        click.echo(f"Starting dagster dev on http://{host}:{port}")
        code = run_dagster_dev(host, port, environ, verbose)
    except KeyboardInterrupt:  # Ctrl-C before dagster dev was running
        code = 130
    finally:
        if owned_emulator is not None:
            click.echo("Stopping the embedded BigQuery emulator")
            (supervisor or owned_emulator).stop()
    sys.exit(code)


def _warn(message: str) -> None:
    click.secho(message, fg="yellow", err=True)


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
    In a team's dg project it runs the extractors of every ExtractorsComponent instance,
    configured by its defs.yaml; elsewhere those of ANALYTICS_ENV. Exits with 1 if a day's
    rows fail validation.
    """
    from analytics_assets.dry_run import DryRunError

    first_day, last_day = (first.date() if first else None), (last.date() if last else None)
    try:
        code = _dry_run(first_day, last_day, extractor_names)
    except (DryRunError, SettingsError) as error:
        raise click.UsageError(str(error)) from None
    sys.exit(code)


def _dry_run(first: dt.date | None, last: dt.date | None, names: tuple[str, ...]) -> int:
    """The dry run of this folder's extractors: ANALYTICS_ENV's, or those of each
    ExtractorsComponent instance of the team's dg project; the exit code."""
    from rich.console import Console

    from analytics_assets.dry_run import DryRunError, print_extract

    if not is_team_project():
        return print_extract(Console(), first, last, names)
    from analytics_assets.component import project_instances

    instances = project_instances(Path.cwd())
    if not instances:
        raise DryRunError(f"no ExtractorsComponent instance in the dg project at {Path.cwd()}")
    codes = []
    for instance, settings in instances:
        extractors, sources = instance.extractors(settings)
        click.echo(f"ExtractorsComponent {'/'.join(settings.key_prefix)} ({settings.zone})")
        codes.append(
            print_extract(
                Console(), first, last, names,
                settings=settings, extractors=extractors, sources=sources,
            )
        )  # fmt: skip
    return max(codes)
