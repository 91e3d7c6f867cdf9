"""Section 4, code-location load: ours against plain Dagster definitions of the same size.

The extractors are generated as modules of a temporary package, discovered as a team's
extractor package is and added to the demo's extractors in the same assembly the code
location uses (settings -> world -> ``build_location``). The reference is the same
definitions (assets, checks, schedule, sensors, resources) written with plain Dagster
(:mod:`benchmarks.plain_location`), described once from what ours built. A team writes the
same code either way: each generated source is also a module of the plain reference's own
package, with the same row dataclass and its extraction as a function the plain asset
calls; the target compares against that, so the ratio is what our assembly costs and not
the team's modules (the plain definitions without them are shown beside). Each sample is
the wall time of a fresh ``python -m benchmarks.code_location`` process that builds the
definitions and resolves the repository (jobs, asset graph), as a code server does when
it loads the location; ours and the reference alternate, and the ratio is the median of
the ratios of each pair, with their spread.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg

from benchmarks.report import Report, Row, seconds, timed

GENERATED_PREFIX = "benchmark_generated_"
DESCRIBE, OURS, PLAIN = "describe", "ours", "plain"
#: The +N extractors' load may cost at most this much more than the plain definitions.
TARGET_RATIO = 1.1


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


GENERATED_PACKAGE = "benchmark_generated"
#: The same sources' modules for the plain Dagster reference.
PLAIN_PACKAGE = "benchmark_generated_plain"


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


def _run(environment: dict[str, str], *arguments: str) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one fresh worker process."""
    command = [sys.executable, "-m", "benchmarks.code_location", *arguments]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    _, wall = timed(
        lambda: subprocess.run(command, env=environment, check=True, capture_output=True)
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _instructions(environment: dict[str, str], *arguments: str) -> subprocess.Popen[str] | None:
    """Start one worker process under valgrind's callgrind, which counts the instructions it
    executes: the same count for the same work whatever else the machine does (None: no
    valgrind here)."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    command = [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable]
    return subprocess.Popen(
        [*command, "-m", "benchmarks.code_location", *arguments],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _counted(process: subprocess.Popen[str]) -> int:
    _, errors = process.communicate()
    counted = re.search(r"Collected : (\d+)", errors)
    if process.returncode != 0 or counted is None:
        raise RuntimeError(f"callgrind failed ({process.returncode}): {errors[-2000:]}")
    return int(counted[1])


def instructions_row(environment: dict[str, str], count: int, folder: str, described: Path) -> Row:
    """Ours and the plain reference with the team's modules, counted at once (2 processes)."""
    ours = _instructions(environment, OURS, folder)
    plain = _instructions(environment, PLAIN, str(described), folder)
    measured = f"instructions, +{count} extractors (callgrind, deterministic)"
    if ours is None or plain is None:
        return Row("code location load", measured, "n/a", "valgrind not found", "", "", "", None)
    ours_count, plain_count = _counted(ours), _counted(plain)
    return Row(
        "code location load",
        measured,
        f"{ours_count / 1e9:.2f} G",
        "plain Dagster, same definitions and team modules",
        f"{plain_count / 1e9:.2f} G",
        f"{ours_count / plain_count:.3f}x",
        "",
        None,
    )


def compiled_environment(pycache: Path) -> dict[str, str]:
    """This environment, with every module's bytecode written to and read from ``pycache``.

    A deployed code server reads compiled modules; a process that compiles every module
    from source (``PYTHONDONTWRITEBYTECODE``, set on some machines) spends about a second
    more on Dagster alone, on both sides of the ratio.
    """
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return environment | {"PYTHONPYCACHEPREFIX": str(pycache)}


def _cpu_ms_each(
    more: list[tuple[float, float]], less: list[tuple[float, float]], count: int
) -> float:
    """The median CPU time of ``more`` over that of ``less``, in ms per one of ``count``."""
    difference = statistics.median(c for _, c in more) - statistics.median(c for _, c in less)
    return difference / count * 1000


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

    def row(
        self, what: str, target: str, met: bool | None, reference: str = "same definitions"
    ) -> Row:
        ours, plain = [wall for wall, _ in self.ours], [wall for wall, _ in self.plain]
        return Row(
            "code location load",
            f"fresh process, {what} (median of {len(ours)}, {self.spread(ours)})",
            seconds(statistics.median(ours)),
            f"plain Dagster, {reference} ({self.spread(plain)})",
            seconds(statistics.median(plain)),
            f"{self.ratio():.2f}x ({self.spread(self.ratios(), 'x')})",
            target,
            met,
        )

    def per_extractor_ms(self, fewer: Pairs, count: int) -> str:
        """What each of ``count`` more extractors costs in CPU time, ours and plain."""
        ours = _cpu_ms_each(self.ours, fewer.ours, count)
        plain = _cpu_ms_each(self.plain, fewer.plain, count)
        return f"{ours:.1f} ms (plain Dagster {plain:.1f} ms)"

    def cpu_note(self, what: str) -> str:
        return (
            f"{what}: CPU time {self.ratio(cpu=True):.2f}x plain Dagster "
            f"({self.spread(self.ratios(cpu=True), 'x')})"
        )


def measure_code_location(
    count: int, repetitions: int, warm: bool, count_instructions: bool, report: Report
) -> None:
    with tempfile.TemporaryDirectory(prefix="benchmark-extractors-") as folder:
        write_extractors(Path(folder), count)
        environment = compiled_environment(Path(folder, "pycache"))
        current_json, generated_json = Path(folder, "current.json"), Path(folder, "more.json")
        # describing loads ours (Dagster, ours and the generated modules get compiled)
        _run(environment, DESCRIBE, str(current_json))
        _run(environment, DESCRIBE, str(generated_json), folder)
        if warm:  # the first plain load compiles the plain module and the plain team's
            _run(environment, PLAIN, str(generated_json), folder)
        current, generated, without_team = Pairs(), Pairs(), Pairs()
        for _ in range(max(1, repetitions)):
            current.plain.append(_run(environment, PLAIN, str(current_json)))
            current.ours.append(_run(environment, OURS))
            generated.plain.append(_run(environment, PLAIN, str(generated_json), folder))
            generated.ours.append(_run(environment, OURS, folder))
            without_team.plain.append(_run(environment, PLAIN, str(generated_json)))
        without_team.ours = generated.ours
        counted = (
            instructions_row(environment, count, folder, generated_json)
            if count_instructions
            else None
        )
    team_ms = _cpu_ms_each(generated.plain, without_team.plain, count)
    report.add(current.row("current definitions", "", None))
    report.add(
        generated.row(
            f"+{count} extractors",
            f"<= {TARGET_RATIO}x",
            generated.ratio() <= TARGET_RATIO,
            reference="same definitions and team modules",
        )
    )
    report.add(
        without_team.row(
            f"+{count} extractors", "", None, reference="same definitions, no team module"
        )
    )
    if counted is not None:
        report.add(counted)
    report.note(
        "code location load, CPU time (less sensitive than wall time to a shared machine): "
        f"{current.cpu_note('current')}; {generated.cpu_note(f'+{count} extractors')}; "
        f"per extractor {generated.per_extractor_ms(current, count)}, of which its team's "
        f"module in plain Dagster {team_ms:.1f} ms"
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


def _plain_team(folder: str) -> dict[str, Callable[..., Any]]:
    """The plain team's extraction functions in ``folder``, by the table each one fills."""
    sys.path.insert(0, folder)
    package = importlib.import_module(PLAIN_PACKAGE)
    modules = [
        importlib.import_module(info.name)
        for info in pkgutil.iter_modules(package.__path__, prefix=f"{PLAIN_PACKAGE}.")
    ]
    return {module.TABLE: module.extract for module in modules}


def _worker() -> None:
    """``ours [folder]``: build our definitions (with the extractors of ``folder``) and resolve
    them; ``plain file [folder]``: the plain definitions ``file`` describes (their assets
    calling the plain team's modules of ``folder``); ``describe file [folder]``: write that
    description of ours."""
    mode, *arguments = sys.argv[1:]
    if mode == PLAIN:
        from benchmarks.plain_location import plain_definitions

        team = _plain_team(arguments[1]) if len(arguments) > 1 else {}
        plain_definitions(Path(arguments[0]), team).get_repository_def().get_all_jobs()
    elif mode == OURS:
        defs, _ = _our_definitions(arguments[0] if arguments else None)
        defs.get_repository_def().get_all_jobs()
    else:
        from benchmarks.plain_location import describe

        defs, settings = _our_definitions(arguments[1] if len(arguments) > 1 else None)
        describe(defs, settings, Path(arguments[0]))


if __name__ == "__main__":
    _worker()
