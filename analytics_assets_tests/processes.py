"""Test helper: Python code or a command in a fresh process, with only the variables a test sets.

The test process's own ANALYTICS_* and BIGQUERY_* variables (and pytest's Django settings)
never leak into the child: what it sees is the machine's environment plus ``variables``.
"""

from __future__ import annotations

import os
import subprocess
import sys

from analytics_assets_tests.paths import REPO_ROOT

_PROJECT_PREFIXES = ("ANALYTICS_", "BIGQUERY_", "DJANGO_SETTINGS_MODULE")


def clean_environment(**variables: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(_PROJECT_PREFIXES)}
    return {**base, **variables}


def run_python(code: str, **variables: str) -> subprocess.CompletedProcess[str]:
    """``python -c code`` from the repository's root; never raises on a failing exit code."""
    return run_command([sys.executable, "-c", code], **variables)


def run_command(command: list[str], **variables: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=REPO_ROOT,
        env=clean_environment(**variables),
        capture_output=True,
        text=True,
        check=False,
    )
