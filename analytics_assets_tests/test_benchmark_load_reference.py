"""The load benchmark's plain reference gets the team's code ours gets: the same row types."""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

from benchmarks.generated_sources import GENERATED_PACKAGE, PLAIN_PACKAGE, write_extractors


def _module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fields(module: ModuleType, row: str) -> list[tuple[str, Any]]:
    return [(f.name, f.type) for f in dataclasses.fields(getattr(module, row))]


def test_the_plain_team_modules_hold_the_same_rows_as_our_extractor_modules(tmp_path) -> None:
    write_extractors(tmp_path, 2)
    for index in (0, 1):  # daily figures, individual rows
        file = f"benchmark_generated_{index:03d}.py"
        ours = _module(tmp_path / GENERATED_PACKAGE / file, f"ours_{index}")
        plain = _module(tmp_path / PLAIN_PACKAGE / file, f"plain_{index}")
        row = f"Generated{index:03d}"

        assert _fields(plain, row) == _fields(ours, row)
        extractor = getattr(ours, f"{row}Extractor")
        assert extractor.table.name == plain.TABLE
        rows = [dataclasses.asdict(row) for row in extractor().extract(None, None)]
        assert [dataclasses.asdict(row) for row in plain.extract(None, None)] == rows
        assert "analytics_assets" not in (tmp_path / PLAIN_PACKAGE / file).read_text()
