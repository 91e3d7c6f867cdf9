"""Running an extractor over local days: its rows, validated and staged, or one clear error.

Shared by the asset of a run and by the dry run. An error raised by the extractor's own
code (when called, or while its rows are read) becomes :class:`ExtractorFailedError`
naming the extractor, the day and its window; a row that does not fit is a
:class:`RowValidationError`; anything else (staging, disk) is the project's own failure
and keeps its own type, so it is never blamed on the extractor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from analytics_assets.extract import DateAggregatedExtractor, Extractor, Window, day_window
from analytics_assets.rows.staging import RowStager, StagedRows
from analytics_assets.rows.values import RowValidationError

#: Runs over more days log one summary line instead of a line per day (each line is an
#: event Dagster stores: a line per day cost a tenth of a catch-up).
LOGGED_DAYS = 10


class ExtractorFailedError(RuntimeError):
    """An extractor's own code raised while reading its source."""


def extractor_failure(name: str, day: dt.date, window: Window, error: Exception) -> Exception:
    return ExtractorFailedError(
        f"extractor {name!r} failed on day {day} (window {window[0].isoformat()} to "
        f"{window[1].isoformat()}): {type(error).__name__}: {error}"
    )


def _read(name: str, day: dt.date, window: Window, rows: Iterable[Any]) -> Iterator[Any]:
    """``rows`` as they come; an error of the extractor while reading them names the day."""
    try:
        yield from rows
    except (RowValidationError, ExtractorFailedError):
        raise
    except Exception as error:
        raise extractor_failure(name, day, window, error) from error


def extracted_days(
    extractor: Extractor[Any], days: Sequence[dt.date], tz: ZoneInfo
) -> Iterator[tuple[dt.date, Window, Iterable[Any]]]:
    """Each day of ``days`` with its local window and the (unchecked) rows ``extractor`` gives.

    A date-aggregated extractor that answers ranges (``extract_days``) is asked once for
    all the days; any other is called per day. Every error of the extractor's own code,
    when it is called or while its rows are read, is an :class:`ExtractorFailedError`.
    """
    windows = [day_window(day, tz) for day in days]
    if (
        len(days) > 1
        and isinstance(extractor, DateAggregatedExtractor)
        and extractor.extracts_ranges()
    ):
        yield from _extracted_range(extractor, days, windows)
        return
    name = type(extractor).table.name
    for day, window in zip(days, windows, strict=True):
        try:
            rows = extractor.extract(*window)
        except RowValidationError:
            raise
        except Exception as error:
            raise extractor_failure(name, day, window, error) from error
        yield day, window, _read(name, day, window, rows)


def _extracted_range(
    extractor: DateAggregatedExtractor[Any], days: Sequence[dt.date], windows: Sequence[Window]
) -> Iterator[tuple[dt.date, Window, Iterable[Any]]]:
    name = type(extractor).table.name
    try:
        rows = list(extractor.extract_days(windows))
    except RowValidationError:
        raise
    except Exception as error:
        raise ExtractorFailedError(
            f"extractor {name!r} failed on days {days[0]} to {days[-1]} (windows from "
            f"{windows[0][0].isoformat()} to {windows[-1][1].isoformat()}): "
            f"{type(error).__name__}: {error}"
        ) from error
    if len(rows) != len(days):
        raise RowValidationError(
            f"extractor {name!r}, days {days[0]} to {days[-1]}: extract_days must yield exactly "
            f"one row per day, it yielded {len(rows)} for {len(days)} days"
        )
    for day, window, row in zip(days, windows, rows, strict=True):
        yield day, window, [row]


def stage_days(
    extractor: Extractor[Any], days: Sequence[dt.date], tz: ZoneInfo, path: Path, log: Any = None
) -> StagedRows:
    """Run ``extractor`` for each day and stage its validated rows in the parquet file ``path``.

    ``log`` (a logger, optional) gets a line per day for short runs, one summary otherwise.
    """
    spec = type(extractor).table
    name = spec.name
    per_day = len(days) <= LOGGED_DAYS
    with RowStager(spec, type(extractor).row_type, name, path) as stager:
        for day, window, rows in extracted_days(extractor, days, tz):
            count = stager.add_day(day, window, rows)
            if per_day and log is not None:
                log.info(
                    f"{name} {day} [{window[0].isoformat()}, {window[1].isoformat()}): {count} rows"
                )
    staged = stager.staged
    if log is not None and not per_day:
        counts = staged.rows_per_day.values()
        log.info(
            f"{name} {days[0]} to {days[-1]}: {staged.total_rows} rows over {len(days)} days "
            f"({min(counts)} to {max(counts)} a day; each day's count is in its partition's "
            "dagster/row_count)"
        )
    return staged
