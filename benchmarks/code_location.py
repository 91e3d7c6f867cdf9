"""Section 4, code-location load: ours against plain Dagster definitions of the same size.

The extractors are generated (:mod:`benchmarks.generated_sources`) as modules of a
temporary package, discovered as a team's extractor package is and added to the demo's
extractors in the same assembly the code location uses (settings -> world ->
``build_location``). The reference is the same
definitions (assets, checks, schedule, sensors, resources) written with plain Dagster
(:mod:`benchmarks.plain_location`), described once from what ours built. A team writes the
same code either way: each generated source is also a module of the plain reference's own
package, with the same row dataclass and its extraction as a function the plain asset
calls; the target compares against that, so the ratio is what our assembly costs and not
the team's modules (the plain definitions without them are shown beside). The full run
also counts both loads' instructions (:mod:`benchmarks.instructions`). Each sample is
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg

from benchmarks.generated_sources import GENERATED_PACKAGE, plain_team, write_extractors
from benchmarks.instructions import counted, start_counting
from benchmarks.report import Report, Row, seconds, timed

DESCRIBE, OURS, PLAIN = "describe", "ours", "plain"
#: The +N extractors' load may cost at most this much more than the plain definitions.
TARGET_RATIO = 1.1


def _worker_command(*arguments: str) -> list[str]:
    """A fresh process of this module's :func:`_worker`."""
    return [sys.executable, "-m", "benchmarks.code_location", *arguments]


def _run(environment: dict[str, str], *arguments: str) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one fresh worker process."""
    command = _worker_command(*arguments)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    _, wall = timed(
        lambda: subprocess.run(command, env=environment, check=True, capture_output=True)
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def instructions_row(environment: dict[str, str], count: int, folder: str, described: Path) -> Row:
    """Ours and the plain reference with the team's modules, counted at once (2 processes)."""
    ours = start_counting(_worker_command(OURS, folder), environment)
    plain = start_counting(_worker_command(PLAIN, str(described), folder), environment)
    measured = f"instructions, +{count} extractors (callgrind, deterministic)"
    if ours is None or plain is None:
        return Row("code location load", measured, "n/a", "valgrind not found", "", "", "", None)
    ours_count, plain_count = counted(ours), counted(plain)
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
        instructions = (
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
    if instructions is not None:
        report.add(instructions)
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


def _worker() -> None:
    """``ours [folder]``: build our definitions (with the extractors of ``folder``) and resolve
    them; ``plain file [folder]``: the plain definitions ``file`` describes (their assets
    calling the plain team's modules of ``folder``); ``describe file [folder]``: write that
    description of ours."""
    mode, *arguments = sys.argv[1:]
    if mode == PLAIN:
        from benchmarks.plain_location import plain_definitions

        team = plain_team(arguments[1]) if len(arguments) > 1 else {}
        plain_definitions(Path(arguments[0]), team).get_repository_def().get_all_jobs()
    elif mode == OURS:
        defs, _ = _our_definitions(arguments[0] if arguments else None)
        defs.get_repository_def().get_all_jobs()
    else:
        from benchmarks.location_description import describe

        defs, settings = _our_definitions(arguments[1] if len(arguments) > 1 else None)
        describe(defs, settings, Path(arguments[0]))


if __name__ == "__main__":
    _worker()
