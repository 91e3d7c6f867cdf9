"""Measurements and the printed table: medians of repetitions, figures side by side, ratios."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")


def timed(action: Callable[[], T]) -> tuple[T, float]:
    """``action()``'s result and its wall-clock seconds."""
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def median_seconds(action: Callable[[], object], repetitions: int) -> tuple[float, list[float]]:
    """The median wall-clock seconds of ``repetitions`` calls of ``action``, and every one."""
    samples = [timed(action)[1] for _ in range(max(1, repetitions))]
    return statistics.median(samples), samples


@dataclass(frozen=True)
class Row:
    """One line of the table: a figure measured next to its reference, and the target."""

    section: str
    measured: str
    measured_value: str
    reference: str
    reference_value: str
    ratio: str
    target: str
    met: bool | None  # None: informative, no target

    @property
    def verdict(self) -> str:
        return {True: "met", False: "MISSED", None: ""}[self.met]


@dataclass
class Report:
    """The rows of a benchmark run and free-text notes printed under the table."""

    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, row: Row) -> None:
        self.rows.append(row)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def render(self) -> str:
        header = ("section", "measured", "value", "reference", "value", "ratio", "target", "")
        lines = [
            (
                r.section,
                r.measured,
                r.measured_value,
                r.reference,
                r.reference_value,
                r.ratio,
                r.target,
                r.verdict,
            )
            for r in self.rows
        ]
        widths = [
            max(len(str(cell)) for cell in column) for column in zip(header, *lines, strict=True)
        ]

        def line(cells: Sequence[str]) -> str:
            return " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

        rule = "-+-".join("-" * w for w in widths)
        out = [self.title, "", line(header), rule, *(line(cells) for cells in lines)]
        if self.notes:
            out += ["", *(f"* {n}" for n in self.notes)]
        return "\n".join(out)


def seconds(value: float) -> str:
    return f"{value:.2f} s" if value < 100 else f"{value:.0f} s"


def ratio(value: float, reference: float) -> str:
    return f"{value / reference:.2f}x" if reference > 0 else "n/a"
