"""What `analytics-assets dev` runs: `dagster dev` on the right code location and instance.

The code location is the current folder's ``workspace.yaml`` (this repository), else its
Dagster project (a team's dg project mounting the Component), else the standalone location
(:mod:`analytics_assets.definitions`, the demo by default). The instance is ``DAGSTER_HOME``,
else the folder's ``dagster.yaml``, else the packaged one (:mod:`analytics_assets.local.instance`).
`dagster dev` runs in its own process group, its output through the quiet filter
(:mod:`analytics_assets.dev_terminal`); on exit whatever it left is stopped.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import click

from analytics_assets.dev_run_ends import POLL_SECONDS, RunEndWatcher

WORKSPACE_FILE = "workspace.yaml"
PROJECT_FILE = "pyproject.toml"
#: ``dagster dev`` warns on every start that ``dg dev`` supersedes it. ``dg dev -w`` runs the
#: very same implementation (dagster_dg_cli's dev command calls dagster's dev_command_impl),
#: but ``dg`` (dagster-dg-cli) is a development tool, not a dependency of the installed
#: location: the warning is silenced, for that reason only, instead of adding it.
SUPERSEDED_DEV_WARNING = "ignore:Function `dev_command` is superseded:FutureWarning"
#: DAGSTER_EVENT_BATCH_SIZE: Dagster then hands a run's per-day events to the event storage in
#: batches, which the local one stores in a few INSERTs (``local/event_storage.py``).
EVENT_BATCH_SIZE = "10000"
_PRINTING = threading.Lock()
#: dagster dev's line when its webserver or daemon died: it then stops, and exits 0.
_SERVICE_DIED = re.compile(
    r"(dagster-(?:webserver|daemon)) process shut down unexpectedly with return code (-?\d+)"
)


def dagster_home(environ: dict[str, str], local_dir: Path) -> str:
    """DAGSTER_HOME, else the current folder when it holds a dagster.yaml, else the packaged
    instance written to ``<local_dir>/dagster``; a warning for each guarantee an instance of
    the user's own lacks."""
    from analytics_assets.local.instance import INSTANCE_FILE, missing_guarantees, write_instance

    if environ.get("DAGSTER_HOME"):
        home = Path(environ["DAGSTER_HOME"])
    elif (Path.cwd() / INSTANCE_FILE).is_file():
        home = Path.cwd()
    else:
        return str(write_instance(local_dir))
    for missing in missing_guarantees(home / INSTANCE_FILE):
        click.secho(f"Warning: {home / INSTANCE_FILE} lacks {missing}", fg="yellow", err=True)
    return str(home)


def is_team_project() -> bool:
    """The current folder is a team's Dagster project (not this repository, not an empty one)."""
    return not (Path.cwd() / WORKSPACE_FILE).is_file() and _is_dagster_project(Path.cwd())


def _is_dagster_project(folder: Path) -> bool:
    """A pyproject.toml naming a code location (``[tool.dagster]``) or a dg project."""
    import tomllib

    path = folder / PROJECT_FILE
    tool = tomllib.loads(path.read_text()).get("tool", {}) if path.is_file() else {}
    return "dagster" in tool or "project" in tool.get("dg", {})


def _code_location_arguments() -> list[str]:
    """The workspace file of the current folder, else its Dagster project (a team's dg
    project mounting the Component), else this package's standalone location."""
    if (Path.cwd() / WORKSPACE_FILE).is_file():
        return ["-w", WORKSPACE_FILE]
    if _is_dagster_project(Path.cwd()):
        return []  # dagster dev reads pyproject.toml itself
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


def run_dagster_dev(
    host: str,
    port: int,
    environ: dict[str, str],
    verbose: bool,
    command: list[str] | None = None,
) -> int:
    """Run ``dagster dev`` (or ``command``) in its own process group; on exit, stop whatever
    it left behind; its exit code, or 1 when its webserver or daemon died (it then exits 0).

    Ctrl-C and SIGTERM are forwarded to it. Its code servers otherwise linger until their
    heartbeat times out (about 45 s) when it is stopped in the middle of a run. Unless
    ``verbose``, its output goes through :class:`~analytics_assets.dev_terminal.QuietFilter`.
    """
    process = subprocess.Popen(
        command or dagster_dev_command(host, port, verbose),
        env={**environ, "PYTHONUNBUFFERED": "1"},
        preexec_fn=_restore_default_signals,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )

    def forward(signum: int, _frame: object) -> None:
        process.send_signal(signal.SIGINT if signum == signal.SIGINT else signal.SIGTERM)

    forwarded = (signal.SIGINT, signal.SIGTERM)
    previous = {signum: signal.signal(signum, forward) for signum in forwarded}
    ends = None if verbose else RunEndWatcher(f"http://{host}:{port}")
    threading.Thread(target=_announce_ui, args=(host, port, process, ends), daemon=True).start()
    # Read in a thread: processes dagster dev leaves behind keep the pipe open, and must not
    # keep this one from stopping them.
    died: list[str] = []
    printer = threading.Thread(target=_print_output, args=(process.stdout, ends, died), daemon=True)
    printer.start()
    try:
        code = process.wait()
    finally:
        _stop_process_group(process.pid)
        printer.join(timeout=5)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if died and code == 0:
        click.secho(f"analytics-assets dev: {died[0]}; Dagster stopped.", fg="red", err=True)
        return 1
    return code


def _print_output(output: IO[bytes] | None, ends: RunEndWatcher | None, died: list[str]) -> None:
    """Print ``output`` (quietly when ``ends`` watches what it shows, else all of it), noting
    in ``died`` which of dagster dev's services shut down unexpectedly."""
    from analytics_assets.dev_terminal import QuietFilter

    quiet = None if ends is None else QuietFilter()
    for raw in output or ():
        line = raw.decode(errors="replace")
        service = _SERVICE_DIED.search(line)
        if service is not None:
            died.append(f"{service[1]} stopped unexpectedly (return code {service[2]})")
        shown = [line] if quiet is None else quiet.feed(line)
        if ends is not None:
            for kept in shown:
                ends.saw(kept)
        _write(shown)


def _write(lines: list[str]) -> None:
    if lines:
        with _PRINTING:
            sys.stdout.write("".join(lines))
            sys.stdout.flush()


def _announce_ui(
    host: str, port: int, process: subprocess.Popen[bytes], ends: RunEndWatcher | None
) -> None:
    """Print where the UI is once it answers (the quiet terminal drops Dagster's own line),
    then the ends of runs that could not print their own."""
    import httpx

    url = f"http://{host}:{port}"
    while process.poll() is None:
        try:
            if httpx.get(f"{url}/server_info", timeout=2).status_code == 200:
                click.echo(f"Dagster UI ready at {url}")
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    while ends is not None and process.poll() is None:
        time.sleep(POLL_SECONDS)
        # the webserver busy or stopping: the next poll asks again
        with contextlib.suppress(httpx.HTTPError, ValueError, KeyError, TypeError):
            _write(ends.untold_ends())


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
