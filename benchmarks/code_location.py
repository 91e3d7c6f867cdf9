"""Section 4, code-location load: a fresh process building the definitions, 200 extractors more.

The extractors are generated as modules of a temporary package, discovered as a team's
extractor package is and added to the demo's extractors in the same assembly the code
location uses (settings -> world -> ``build_location``); the reference is the same
assembly without them. Each sample
is the wall time of a fresh ``python -m benchmarks.code_location`` process
that imports the definitions and resolves the repository (jobs, asset graph), as a code
server does when it loads the location. The floor, measured the same way, is a toy code
location of two assets: what importing Dagster and building any definitions costs here.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import dagster as dg

from benchmarks.report import Report, Row, ratio, seconds, timed

GENERATED_PREFIX = "benchmark_generated_"
TOY = "toy"


def generated_module(index: int) -> str:
    """An extractor module: date-aggregated with a delta view, or individual rows, alternately."""
    name = f"Generated{index:03d}"
    if index % 2:
        return textwrap.dedent(f'''
            """Generated extractor {index}: individual rows."""
            import datetime as dt
            from dataclasses import dataclass

            from analytics_assets.extract import IndividualRowsExtractor


            @dataclass
            class {name}:
                timestamp: dt.datetime
                kind: str
                amount: float | None


            class {name}Extractor(IndividualRowsExtractor[{name}]):
                """Rows of generated source {index}."""

                source = "python"

                def extract(self, start, end):
                    return []
            ''')
    return textwrap.dedent(f'''
        """Generated extractor {index}: date-aggregated with differentiated fields."""
        from dataclasses import dataclass
        from decimal import Decimal

        from analytics_assets.extract import DateAggregatedExtractor, column


        @dataclass
        class {name}:
            users: int = column(differentiate=True, description="cumulative users")
            clients: int = column(differentiate=True)
            average_value: Decimal | None = None


        class {name}Extractor(DateAggregatedExtractor[{name}]):
            """Daily figures of generated source {index}."""

            source = "python"

            def extract(self, start, end):
                yield {name}(users=1, clients=1, average_value=None)
        ''')


GENERATED_PACKAGE = "benchmark_generated"


def write_extractors(folder: Path, count: int) -> None:
    package = folder / GENERATED_PACKAGE
    package.mkdir()
    (package / "__init__.py").write_text('"""Generated extractors of the benchmark."""\n')
    for index in range(count):
        (package / f"{GENERATED_PREFIX}{index:03d}.py").write_text(generated_module(index))


def _load_once(extra_folder: Path | None, toy: bool = False) -> float:
    command = [sys.executable, "-m", "benchmarks.code_location"]
    if toy:
        command.append(TOY)
    elif extra_folder is not None:
        command.append(str(extra_folder))
    return timed(
        lambda: subprocess.run(command, env=dict(os.environ), check=True, capture_output=True)
    )[1]


def measure_code_location(count: int, repetitions: int, warm: bool, report: Report) -> None:
    with tempfile.TemporaryDirectory(prefix="benchmark-extractors-") as folder:
        write_extractors(Path(folder), count)
        if warm:
            _load_once(Path(folder))  # compile the generated modules, as a deployed image has
        current: list[float] = []
        generated: list[float] = []
        toy: list[float] = []
        for _ in range(max(1, repetitions)):
            toy.append(_load_once(None, toy=True))
            current.append(_load_once(None))
            generated.append(_load_once(Path(folder)))
    with_generated, reference = statistics.median(generated), statistics.median(current)
    floor = statistics.median(toy)
    report.add(
        Row(
            "code location load",
            f"fresh process, current definitions (median of {len(current)})",
            seconds(reference),
            "toy location: import dagster + 2 assets",
            seconds(floor),
            ratio(reference, floor),
            "",
            None,
        )
    )
    report.add(
        Row(
            "code location load",
            f"fresh process, +{count} extractors (median of {len(generated)})",
            seconds(with_generated),
            "current definitions",
            seconds(reference),
            ratio(with_generated, reference),
            "<= 1.5 s",
            with_generated <= 1.5,
        )
    )


def _toy_definitions() -> dg.Definitions:
    """The smallest code location with two assets: the floor of any load."""

    @dg.asset
    def first_toy() -> int:
        return 1

    @dg.asset
    def second_toy(first_toy: int) -> int:
        return first_toy + 1

    return dg.Definitions(assets=[first_toy, second_toy])


def _worker() -> None:
    """Import the definitions (with the extractors of ``argv[1]``, if given) and resolve them;
    ``toy`` instead: the two-asset toy location."""
    if sys.argv[1:] == [TOY]:
        _toy_definitions().get_repository_def().get_all_jobs()
        return
    from analytics_assets.assembly.discovery import find_extractors
    from analytics_assets.environments import load_world
    from analytics_assets.location import build_location
    from analytics_assets.settings import load_settings

    settings = load_settings()
    world = load_world(settings)
    extra = []
    if len(sys.argv) > 1:
        sys.path.insert(0, sys.argv[1])
        extra = find_extractors([GENERATED_PACKAGE])
    defs = build_location(settings, world.extractors + extra, world.warehouse, world.sources)
    defs.get_repository_def().get_all_jobs()


if __name__ == "__main__":
    _worker()
