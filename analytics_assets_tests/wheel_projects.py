"""Test helper: this repository as a team meets it, from its built wheel in fresh environments.

:func:`built_wheel` builds the wheel once (``uv build``) into a folder;
:func:`fresh_environment` makes a virtual environment outside the repository and installs
requirements there, resolving ``analytics-assets`` from that folder only, never from this
checkout (no ``PYTHONPATH``, no editable install of it); :func:`example_project` copies
``examples/acme`` next to it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from analytics_assets_tests.paths import REPO_ROOT
from analytics_assets_tests.processes import clean_environment

EXAMPLE = REPO_ROOT / "examples" / "acme"
#: What is never copied with the example: local state a developer may have left in it.
LEFT_BEHIND = shutil.ignore_patterns(".venv", ".local", "*.sqlite3", "__pycache__", "dist")


def _uv() -> str:
    found = shutil.which("uv") or shutil.which("uv", path=str(Path(sys.executable).parent))
    assert found, "uv is not installed (pip install uv)"
    return found


def run(
    command: list[str], cwd: Path, variables: Mapping[str, str] | None = None, timeout: float = 600
) -> str:
    """``command`` in ``cwd`` with none of this repository's variables (but ``variables``);
    its output, or an AssertionError with it when it fails."""
    done = subprocess.run(
        command,
        cwd=cwd,
        env=clean_environment(**(variables or {})),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{' '.join(command)} exited {done.returncode}:\n{output[-6000:]}"
    return output


def built_wheel(out_dir: Path) -> Path:
    """The folder holding the wheel of this checkout, built into ``out_dir``."""
    run([_uv(), "build", "--wheel", "--quiet", "--out-dir", str(out_dir)], REPO_ROOT)
    (wheel,) = out_dir.glob("analytics_assets-*.whl")
    assert wheel.is_file()
    return out_dir


def fresh_environment(folder: Path, wheels: Path, *requirements: str) -> Path:
    """A new virtual environment in ``folder/.venv`` with ``requirements`` installed,
    ``analytics-assets`` taken from ``wheels``; returns its ``bin`` folder."""
    folder.mkdir(parents=True, exist_ok=True)
    venv = folder / ".venv"
    run([_uv(), "venv", "--quiet", "--python", sys.executable, str(venv)], folder)
    python = venv / "bin" / "python"
    run(
        [_uv(), "pip", "install", "--quiet", "--python", str(python),
         "--find-links", str(wheels), *requirements],
        folder,
    )  # fmt: skip
    return venv / "bin"


def example_project(destination: Path) -> Path:
    """A copy of ``examples/acme`` at ``destination`` (outside the repository)."""
    shutil.copytree(EXAMPLE, destination, ignore=LEFT_BEHIND)
    return destination


def bin_on_path(bin_dir: Path) -> dict[str, str]:
    """The variables that make ``bin_dir`` the active environment (as ``source activate``)."""
    return {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "VIRTUAL_ENV": str(bin_dir.parent),
    }
