"""The sources the load and linearity sections generate, written twice: as our extractors and
as the modules a team using plain Dagster would write for the same tables.

Source ``index`` is individual rows (odd) or daily figures with two cumulative fields
(even); both versions hold the same row dataclass and the same extraction, ours as an
extractor class, the plain one as a function its asset calls.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

GENERATED_PACKAGE = "benchmark_generated"
#: The same sources' modules for the plain Dagster reference.
PLAIN_PACKAGE = "benchmark_generated_plain"
#: Each package holds one module per source, named this and its number.
GENERATED_PREFIX = "benchmark_generated_"


def _row_class(index: int, imports: str, cumulative: tuple[str, str] = ("", "")) -> str:
    """The opening of generated source ``index``'s module: its docstring, its imports (the
    standard ones and ``imports``) and its row dataclass: individual rows (odd ``index``) or
    daily figures (even), whose two cumulative fields end with ``cumulative``'s texts."""
    name = f"Generated{index:03d}"
    if index % 2:
        return textwrap.dedent(f'''
            """Generated source {index}: individual rows."""
            import datetime as dt
            from dataclasses import dataclass

            {imports}


            @dataclass
            class {name}:
                timestamp: dt.datetime
                kind: str
                amount: float | None
            ''')
    users, clients = cumulative
    return textwrap.dedent(f'''
        """Generated source {index}: daily figures, the first two cumulative."""
        from dataclasses import dataclass
        from decimal import Decimal

        {imports}


        @dataclass
        class {name}:
            users: int{users}
            clients: int{clients}
            average_value: Decimal | None = None
        ''')


def _rows(index: int) -> str:
    name = f"Generated{index:03d}"
    return "return []" if index % 2 else f"yield {name}(users=1, clients=1, average_value=None)"


def generated_module(index: int) -> str:
    """Generated source ``index`` as an extractor module of ours."""
    name = f"Generated{index:03d}"
    if index % 2:
        base = "IndividualRowsExtractor"
        row = _row_class(index, f"from analytics_assets.extract import {base}")
    else:
        base = "DateAggregatedExtractor"
        cumulative = (
            ' = column(differentiate=True, description="cumulative users")',
            " = column(differentiate=True)",
        )
        row = _row_class(index, f"from analytics_assets.extract import {base}, column", cumulative)
    return row + textwrap.dedent(f'''

        class {name}Extractor({base}[{name}]):
            """Rows of generated source {index}."""

            source = "python"

            def extract(self, start, end):
                {_rows(index)}
        ''')


def plain_module(index: int) -> str:
    """Generated source ``index`` as a team using plain Dagster would write it: the same row
    dataclass and extraction, as a function its asset calls, and no ``analytics_assets``."""
    return _row_class(index, "") + textwrap.dedent(f'''

        TABLE = "generated_{index:03d}"


        def extract(start, end):
            """Rows of generated source {index}."""
            {_rows(index)}
        ''')


def write_extractors(folder: Path, count: int) -> None:
    """Our extractor package and the plain reference's package of the same ``count`` sources."""
    for package_name, module in (
        (GENERATED_PACKAGE, generated_module),
        (PLAIN_PACKAGE, plain_module),
    ):
        package = folder / package_name
        package.mkdir()
        (package / "__init__.py").write_text('"""Generated sources of the benchmark."""\n')
        for index in range(count):
            (package / f"{GENERATED_PREFIX}{index:03d}.py").write_text(module(index))


def plain_team(folder: str) -> dict[str, Callable[..., Any]]:
    """The plain team's extraction functions in ``folder``, by the table each one fills."""
    sys.path.insert(0, folder)
    package = importlib.import_module(PLAIN_PACKAGE)
    modules = [
        importlib.import_module(info.name)
        for info in pkgutil.iter_modules(package.__path__, prefix=f"{PLAIN_PACKAGE}.")
    ]
    return {module.TABLE: module.extract for module in modules}
