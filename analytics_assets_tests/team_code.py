"""Test helper: a team's own package of extractors, in a folder on the import path."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest


def install_team_package(
    root: Path, monkeypatch: pytest.MonkeyPatch, package: str, modules: dict[str, str]
) -> Path:
    """``package.extractors.<name>`` holding each of ``modules`` (name -> source) under
    ``root``, importable for the rest of the test (and forgotten after it); returns ``root``."""
    extractors = root / package / "extractors"
    extractors.mkdir(parents=True)
    (root / package / "__init__.py").write_text("")
    (extractors / "__init__.py").write_text("")
    for name, source in modules.items():
        (extractors / f"{name}.py").write_text(source)
    monkeypatch.syspath_prepend(str(root))
    for name in [m for m in sys.modules if m.startswith(package)]:
        monkeypatch.delitem(sys.modules, name)
    return root
