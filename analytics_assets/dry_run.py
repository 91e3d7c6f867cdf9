"""The `print-extract` dry run: each extractor's validated rows per day, printed, no warehouse.

It calls ``extract(start, end)`` with the same local-day windows as a real run and checks the
rows with the same validation (:class:`~analytics_assets.extract.rows.RowValidator`), then
prints one table per extractor and day instead of staging and loading them. Only the
extractors' sources are set up (the Django ORM, the demo database seeded if empty); no
BigQuery client, credentials or emulator is ever created.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from rich.text import Text

from analytics_assets.extract.assets import (
    IncompleteDayError,
    extractor_failure,
    extractor_resources,
    refuse_incomplete_days,
    required_resource_keys,
)
from analytics_assets.extract.extractor import Extractor, day_window, last_complete_day
from analytics_assets.extract.rows import RowValidationError, RowValidator
from analytics_assets.settings import Settings, load_settings

Window = tuple[dt.datetime, dt.datetime]


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


def source_resources(
    extractors: Sequence[type[Extractor[Any]]], settings: Settings, console: Console | None = None
) -> Any:
    """The resources the extractors read from, set up for this process, as a run would have them.

    They are picked from the code location's own resources (so configured identically);
    the warehouse and IO manager there are plain configuration objects, never set up here.
    """
    from analytics_assets.resources import build_resources
    from analytics_assets.sources.django_orm import DjangoORM

    keys = sorted(set().union(*(required_resource_keys(cls) for cls in extractors)))
    available = build_resources(settings)
    missing = [key for key in keys if key not in available]
    if missing:
        raise DryRunError(f"no resource is defined for the source(s) {', '.join(missing)}")
    picked = {key: available[key] for key in keys}
    for resource in picked.values():
        if isinstance(resource, DjangoORM):
            _set_up_django(resource, console)
    return SimpleNamespace(**picked)


def _set_up_django(orm: Any, console: Console | None) -> None:
    from analytics_assets.demo import SETTINGS_MODULE as DEMO_SETTINGS_MODULE
    from analytics_assets.sources.django_orm import configure_django

    configure_django(orm.settings_module)
    if orm.settings_module == DEMO_SETTINGS_MODULE and orm.seed_demo_if_empty:
        from analytics_assets.demo.history import ensure_demo_database

        stats = ensure_demo_database()  # the source, not the warehouse: seeded on first use
        if stats is not None and console is not None:
            console.print(f"Seeded the demo Django database: {stats}")


def extract_days(
    extractors: Sequence[type[Extractor[Any]]],
    days: Sequence[dt.date],
    tz: ZoneInfo,
    resources: Any,
) -> Iterator[DayExtract]:
    """Run each extractor on each day (extractor by extractor); a failure stays on its day."""
    for extractor_cls in extractors:
        spec = extractor_cls.table
        extractor = extractor_cls(resources=extractor_resources(extractor_cls, resources))
        validator = RowValidator(spec, extractor_cls.row_type, spec.name)
        for day in days:
            window = day_window(day, tz)
            try:
                rows = list(validator.day_values(day, window, extractor.extract(*window)))
            except RowValidationError as error:
                yield DayExtract(extractor_cls, day, window, error=str(error))
            except Exception as error:
                failure = extractor_failure(spec.name, day, window, error)
                yield DayExtract(extractor_cls, day, window, error=str(failure))
            else:
                yield DayExtract(extractor_cls, day, window, rows=rows)


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
) -> int:
    """Print the rows every (or each named) extractor gives for each day; return the exit code.

    1 when a day's rows were refused (each refused day is printed with its error, the other
    days and extractors still are), else 0. Raises :class:`DryRunError` before extracting
    anything for an unknown extractor name, reversed bounds or a day that has not ended.
    ``extractors``: the candidates; by default the ones in ``analytics_assets.extractors``.
    """
    if extractors is None:
        import analytics_assets.extractors
        from analytics_assets.extract.discovery import find_extractors

        extractors = find_extractors(analytics_assets.extractors)
    settings = settings or load_settings()
    tz = settings.tz
    selected = select_extractors(extractors, extractor_names)
    days = days_to_print(first, last, tz)
    resources = source_resources(selected, settings, console)
    failed = 0
    for extract in extract_days(selected, days, tz, resources):
        failed += extract.error is not None
        # An error is printed unwrapped, so it reads (and copies) as the run would log it.
        console.print(render(extract, tz), soft_wrap=extract.error is not None)
        console.print()
    if failed:
        console.print(
            Text(f"{failed} extractor day(s) refused; nothing was written anywhere", "bold red")
        )
    return 1 if failed else 0
