"""The `print-extract` dry run: each extractor's validated rows per day, printed, no warehouse.

It runs the environment's extractors (the demo's, or the team's configured modules) with
the same local-day windows as a real run and checks the rows with the same validation
(:class:`~analytics_assets.rows.validation.RowValidator`), then prints one table per
extractor and day instead of staging and loading them. The extractors' sources are set
up exactly as a run sets them up (``dg.build_resources``: the Django ORM, an HTTP API
client, the demo's seeding and API server); no BigQuery client, credentials or emulator
is ever created. A day whose rows are refused, or whose extractor raises, is printed with
its error; anything else that fails is a crash of the dry run itself and is raised.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg
from rich.console import Console
from rich.table import Table
from rich.text import Text

from analytics_assets.assembly.sources import extractor_resources, required_resource_keys
from analytics_assets.extract import (
    Extractor,
    IncompleteDayError,
    Window,
    day_window,
    last_complete_day,
    refuse_incomplete_days,
)
from analytics_assets.rows.extraction import ExtractorFailedError, extracted_days
from analytics_assets.rows.validation import RowValidator
from analytics_assets.rows.values import RowValidationError
from analytics_assets.settings import Settings, load_settings


class DryRunError(ValueError):
    """The dry run was asked for something it cannot print: an unknown extractor, bad days."""


@dataclass(frozen=True)
class DayExtract:
    """What one extractor gave for one day: its checked rows, or why they were refused."""

    extractor: type[Extractor[Any]]
    day: dt.date
    window: Window
    rows: list[list[Any]] = field(default_factory=list)
    error: str | None = None
    #: "refused" (a row did not fit) or "failed" (the extractor raised), with ``error``.
    outcome: str = "ok"


def select_extractors(
    extractors: Sequence[type[Extractor[Any]]], names: Iterable[str]
) -> list[type[Extractor[Any]]]:
    """The extractors named (by table name, in discovery order); all of them if none is."""
    wanted = set(names)
    if not wanted:
        return list(extractors)
    known = [cls.table.name for cls in extractors]
    unknown = sorted(wanted - set(known))
    if unknown:
        raise DryRunError(
            f"unknown extractor {', '.join(map(repr, unknown))}; known extractors: "
            f"{', '.join(known) or '(none)'}"
        )
    return [cls for cls in extractors if cls.table.name in wanted]


def days_to_print(
    first: dt.date | None, last: dt.date | None, tz: ZoneInfo, now: dt.datetime | None = None
) -> list[dt.date]:
    """The days from ``first`` to ``last``, both inclusive and complete in ``tz``.

    ``last`` defaults to the last complete day (yesterday in ``tz``), ``first`` to ``last``.
    """
    last = last or last_complete_day(now or dt.datetime.now(dt.UTC), tz)
    first = first or last
    if last < first:
        raise DryRunError(f"the last day (-l {last}) is before the first day (-f {first})")
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    try:
        refuse_incomplete_days(days, tz)
    except IncompleteDayError as error:
        raise DryRunError(f"{error}: its rows are not final, so it cannot be printed") from None
    return days


def source_resources(extractors: Sequence[type[Extractor[Any]]], available: Any) -> dict:
    """The resources of ``available`` the extractors read from (none for plain Python)."""
    keys = sorted(set().union(*(required_resource_keys(cls) for cls in extractors)))
    missing = [key for key in keys if key not in available]
    if missing:
        raise DryRunError(f"no resource is defined for the source(s) {', '.join(missing)}")
    return {key: available[key] for key in keys}


def extract_days(
    extractors: Sequence[type[Extractor[Any]]],
    days: Sequence[dt.date],
    tz: ZoneInfo,
    resources: Any,
) -> Iterator[DayExtract]:
    """Run each extractor on each day (extractor by extractor); a refusal stays on its day."""
    for extractor_cls in extractors:
        spec = extractor_cls.table
        extractor = extractor_cls(resources=extractor_resources(extractor_cls, resources))
        validator = RowValidator(spec, extractor_cls.row_type, spec.name)
        for day in days:
            yield _day_extract(extractor, validator, day, tz)


def _day_extract(
    extractor: Extractor[Any], validator: RowValidator, day: dt.date, tz: ZoneInfo
) -> DayExtract:
    cls = type(extractor)
    window = day_window(day, tz)
    values: list[list[Any]] = []
    try:
        for _, window, rows in extracted_days(extractor, [day], tz):
            values = list(validator.day_values(day, window, rows))
    except RowValidationError as error:
        return DayExtract(cls, day, window, error=str(error), outcome="refused")
    except ExtractorFailedError as error:
        return DayExtract(cls, day, window, error=str(error), outcome="failed")
    return DayExtract(cls, day, window, rows=values)


def window_hours(window: Window) -> float:
    """The real length of the day in hours: 23 or 25 on DST days."""
    start, end = window
    return (end - start) / dt.timedelta(hours=1)


def title(extract: DayExtract) -> str:
    start, end = extract.window
    return (
        f"{extract.extractor.table.name} · {extract.day} · {window_hours(extract.window):g} h\n"
        f"[{start.isoformat()}, {end.isoformat()})"
    )


def _cell(value: Any, tz: ZoneInfo) -> Text:
    if value is None:
        return Text("NULL", style="dim")
    if isinstance(value, dt.datetime):
        return Text(value.astimezone(tz).isoformat())
    if isinstance(value, dt.date):
        return Text(value.isoformat())
    if isinstance(value, bytes):
        return Text(repr(value))
    return Text(str(value))  # Text, not a str: a value is never read as rich markup


def render(extract: DayExtract, tz: ZoneInfo) -> Table | Text:
    """The day's rows as a table (all columns, ``date`` first, the row count below)."""
    heading = title(extract)
    if extract.error is not None:
        return Text.assemble((heading, "bold"), "\n", (f"error: {extract.error}", "bold red"))
    spec = extract.extractor.table
    table = Table(
        title=heading,
        caption=f"{len(extract.rows)} row{'' if len(extract.rows) == 1 else 's'}",
        min_width=max(len(line) for line in heading.splitlines()),
    )
    for column in spec.columns:
        moment = column.name in ("date", spec.timestamp_field)
        # Never cut a value: a narrow terminal folds it onto more lines instead.
        table.add_column(
            column.name,
            style="magenta" if moment else None,
            no_wrap=moment,
            overflow="ellipsis" if moment else "fold",
        )
    for values in extract.rows:
        table.add_row(*(_cell(value, tz) for value in values))
    return table


def print_extract(
    console: Console,
    first: dt.date | None = None,
    last: dt.date | None = None,
    extractor_names: Iterable[str] = (),
    settings: Settings | None = None,
    extractors: Sequence[type[Extractor[Any]]] | None = None,
    sources: Mapping[str, Any] | None = None,
) -> int:
    """Print the rows every (or each named) extractor gives for each day; return the exit code.

    1 when a day's rows were refused or its extractor raised (each such day is printed
    with its error, the other days and extractors still are), else 0. Raises
    :class:`DryRunError` before extracting anything for an unknown extractor name,
    reversed bounds or a day that has not ended. ``extractors`` and ``sources`` (the
    resources of their sources, by name): by default the environment's
    (:func:`analytics_assets.environments.load_extractors`).
    """
    settings = settings or load_settings()
    if extractors is None:
        from analytics_assets.environments import load_extractors

        extractors, sources = load_extractors(settings)
    tz = settings.tz
    selected = select_extractors(extractors, extractor_names)
    days = days_to_print(first, last, tz)
    counts = {"refused": 0, "failed": 0}
    with dg.build_resources(source_resources(selected, sources or {})) as resources:
        for extract in extract_days(selected, days, tz, resources):
            if extract.error is not None:
                counts[extract.outcome] += 1
            # An error is printed unwrapped, so it reads (and copies) as the run would log it.
            console.print(render(extract, tz), soft_wrap=extract.error is not None)
            console.print()
    if any(counts.values()):
        console.print(
            Text(
                f"{counts['refused']} extractor day(s) refused (rows that do not fit), "
                f"{counts['failed']} failed (the extractor raised); nothing was written anywhere",
                "bold red",
            )
        )
    return 1 if any(counts.values()) else 0
