"""The emulator process's entry point: patched bqemulator serving one project from one directory.

Run as ``python -m analytics_assets.local.emulator_server --port P --grpc-port G
--project X --data-dir D``; :mod:`analytics_assets.local.emulator` does this for you.
bqemulator stops cleanly on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import os
import signal
from collections.abc import Sequence
from pathlib import Path


def _parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m analytics_assets.local.emulator_server",
        description="Run the patched bqemulator with persistent storage.",
    )
    parser.add_argument("--port", type=int, required=True, help="REST port (the API endpoint)")
    parser.add_argument("--grpc-port", type=int, required=True, help="gRPC port")
    parser.add_argument("--project", required=True, help="default project id")
    parser.add_argument("--data-dir", type=Path, required=True, help="where DuckDB keeps data")
    return parser.parse_args(argv)


def bqemulator_arguments(arguments: argparse.Namespace) -> list[str]:
    """The ``bqemulator`` command line equivalent to our own arguments."""
    return [
        "start",
        "--rest-port",
        str(arguments.port),
        "--grpc-port",
        str(arguments.grpc_port),
        "--project",
        arguments.project,
        "--persistent",
        "--data-dir",
        str(arguments.data_dir),
    ]


def _exit_on_signal(signal_number: int, _frame: object) -> None:
    raise SystemExit(128 + signal_number)


def main(argv: Sequence[str] | None = None) -> None:
    """Parse our arguments, make bqemulator work offline, and serve until a signal."""
    arguments = _parse_arguments(argv)
    # Until bqemulator installs its own handlers, SIGTERM unwinds (closing DuckDB) too.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    # Otherwise bqemulator tries to download DuckDB's avro extension at start-up.
    os.environ["BQEMU_ENABLE_FORMAT_EXTENSIONS"] = "false"

    from bqemulator.cli import main as bqemulator_main

    from analytics_assets.local.emulator_patches import apply_patches

    apply_patches()
    bqemulator_main(args=bqemulator_arguments(arguments), prog_name="bqemulator")


if __name__ == "__main__":
    main()
