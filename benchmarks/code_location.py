"""Section 4, code-location load: ours against plain Dagster definitions of the same size.

The extractors are generated as modules of a temporary package, discovered as a team's
extractor package is and added to the demo's extractors in the same assembly the code
location uses (settings -> world -> ``build_location``). The reference is the same
definitions (assets, checks, schedule, sensors, resources) written with plain Dagster
(:mod:`benchmarks.plain_location`), described once from what ours built. Each sample is
the wall time of a fresh ``python -m benchmarks.code_location`` process that builds the
definitions and resolves the repository (jobs, asset graph), as a code server does when
it loads the location; ours and the reference alternate, and the ratio is the median of
the ratios of each pair, with their spread.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg

from benchmarks.report import Report, Row, seconds, timed

GENERATED_PREFIX = "benchmark_generated_"
DESCRIBE, OURS, PLAIN = "describe", "ours", "plain"
#: The +N extractors' load may cost at most this much more than the plain definitions.
TARGET_RATIO = 1.1


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


def _run(environment: dict[str, str], *arguments: str) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one fresh worker process."""
    command = [sys.executable, "-m", "benchmarks.code_location", *arguments]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    _, wall = timed(
        lambda: subprocess.run(command, env=environment, check=True, capture_output=True)
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def compiled_environment(pycache: Path) -> dict[str, str]:
    """This environment, with every module's bytecode written to and read from ``pycache``.

    A deployed code server reads compiled modules; a process that compiles every module
    from source (``PYTHONDONTWRITEBYTECODE``, set on some machines) spends about a second
    more on Dagster alone, on both sides of the ratio.
    """
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return environment | {"PYTHONPYCACHEPREFIX": str(pycache)}


@dataclass
class Pairs:
    """Interleaved samples (wall, CPU) of ours and of the plain reference; the pair ratios."""

    ours: list[tuple[float, float]] = field(default_factory=list)
    plain: list[tuple[float, float]] = field(default_factory=list)

    def ratios(self, cpu: bool = False) -> list[float]:
        return [a[cpu] / b[cpu] for a, b in zip(self.ours, self.plain, strict=True)]

    def ratio(self, cpu: bool = False) -> float:
        return statistics.median(self.ratios(cpu))

    @staticmethod
    def spread(values: list[float], unit: str = " s") -> str:
        return f"{min(values):.2f}-{max(values):.2f}{unit}"

    def row(self, what: str, target: str, met: bool | None) -> Row:
        ours, plain = [wall for wall, _ in self.ours], [wall for wall, _ in self.plain]
        return Row(
            "code location load",
            f"fresh process, {what} (median of {len(ours)}, {self.spread(ours)})",
            seconds(statistics.median(ours)),
            f"plain Dagster, same definitions ({self.spread(plain)})",
            seconds(statistics.median(plain)),
            f"{self.ratio():.2f}x ({self.spread(self.ratios(), 'x')})",
            target,
            met,
        )

    def per_extractor_ms(self, fewer: Pairs, count: int) -> str:
        """What each of ``count`` more extractors costs in CPU time, ours and plain."""

        def each(more: list[tuple[float, float]], less: list[tuple[float, float]]) -> float:
            return statistics.median(c for _, c in more) - statistics.median(c for _, c in less)

        ours = each(self.ours, fewer.ours) / count * 1000
        plain = each(self.plain, fewer.plain) / count * 1000
        return f"{ours:.1f} ms (plain Dagster {plain:.1f} ms)"

    def cpu_note(self, what: str) -> str:
        return (
            f"{what}: CPU time {self.ratio(cpu=True):.2f}x plain Dagster "
            f"({self.spread(self.ratios(cpu=True), 'x')})"
        )


def measure_code_location(count: int, repetitions: int, warm: bool, report: Report) -> None:
    with tempfile.TemporaryDirectory(prefix="benchmark-extractors-") as folder:
        write_extractors(Path(folder), count)
        environment = compiled_environment(Path(folder, "pycache"))
        current_json, generated_json = Path(folder, "current.json"), Path(folder, "more.json")
        # describing loads ours (Dagster, ours and the generated modules get compiled)
        _run(environment, DESCRIBE, str(current_json))
        _run(environment, DESCRIBE, str(generated_json), folder)
        if warm:  # the first plain load compiles the plain module
            _run(environment, PLAIN, str(generated_json))
        current, generated = Pairs(), Pairs()
        for _ in range(max(1, repetitions)):
            current.plain.append(_run(environment, PLAIN, str(current_json)))
            current.ours.append(_run(environment, OURS))
            generated.plain.append(_run(environment, PLAIN, str(generated_json)))
            generated.ours.append(_run(environment, OURS, folder))
    report.add(current.row("current definitions", "", None))
    report.add(
        generated.row(
            f"+{count} extractors", f"<= {TARGET_RATIO}x", generated.ratio() <= TARGET_RATIO
        )
    )
    report.note(
        "code location load, CPU time (less sensitive than wall time to a shared machine): "
        f"{current.cpu_note('current')}; {generated.cpu_note(f'+{count} extractors')}; "
        f"per extractor {generated.per_extractor_ms(current, count)}"
    )


def _our_definitions(extra_folder: str | None) -> tuple[dg.Definitions, Any]:
    from analytics_assets.assembly.discovery import find_extractors
    from analytics_assets.environments import load_world
    from analytics_assets.location import build_location
    from analytics_assets.settings import load_settings

    settings = load_settings()
    world = load_world(settings)
    extra = []
    if extra_folder is not None:
        sys.path.insert(0, extra_folder)
        extra = find_extractors([GENERATED_PACKAGE])
    defs = build_location(settings, world.extractors + extra, world.warehouse, world.sources)
    return defs, settings


def _worker() -> None:
    """``ours [folder]``: build our definitions (with the extractors of ``folder``) and resolve
    them; ``plain file``: the plain definitions ``file`` describes; ``describe file [folder]``:
    write that description of ours."""
    mode, *arguments = sys.argv[1:]
    if mode == PLAIN:
        from benchmarks.plain_location import plain_definitions

        plain_definitions(Path(arguments[0])).get_repository_def().get_all_jobs()
    elif mode == OURS:
        defs, _ = _our_definitions(arguments[0] if arguments else None)
        defs.get_repository_def().get_all_jobs()
    else:
        from benchmarks.plain_location import describe

        defs, settings = _our_definitions(arguments[1] if len(arguments) > 1 else None)
        describe(defs, settings, Path(arguments[0]))


if __name__ == "__main__":
    _worker()
