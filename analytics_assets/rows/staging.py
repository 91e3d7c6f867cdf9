"""Staging: validated rows of one or more days, appended chunk by chunk to a local parquet file.

Valid rows are written in fixed-size chunks with the exact BigQuery types, so a day of
millions of rows is held as Python objects at most one chunk at a time; the file then
goes to the warehouse, which loads it and replaces the days it holds. The files live in
one folder of the temporary directory, named after their table and owner process, so the
next run of a table removes what a killed run left there (:mod:`.leftovers`).
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analytics_assets.extract.schema import TableSpec
from analytics_assets.rows.arrow import arrow_schema
from analytics_assets.rows.leftovers import Owner, is_stale
from analytics_assets.rows.validation import RowValidator

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq

CHUNK_ROWS = 50_000
STAGING_FOLDER = "analytics-assets-staging"


def staging_folder() -> Path:
    """Where staged parquet files are written: one folder of the temporary directory."""
    return Path(tempfile.gettempdir()) / STAGING_FOLDER


def new_staging_file(table: str, folder: Path | None = None) -> Path:
    """A new, empty parquet file for ``table``: ``<table>.<host>.<pid>.<random>.parquet``."""
    folder = folder or staging_folder()
    folder.mkdir(parents=True, exist_ok=True)
    owner = Owner.this_process()
    prefix = f"{table}.{owner.host}.{owner.pid}."
    descriptor, name = tempfile.mkstemp(prefix=prefix, suffix=".parquet", dir=folder)
    os.close(descriptor)
    return Path(name)


def remove_stale_staging_files(
    table: str, folder: Path | None = None, now: dt.datetime | None = None
) -> list[Path]:
    """Delete the staged files of ``table`` left by killed runs; the paths deleted."""
    folder = folder or staging_folder()
    now = now or dt.datetime.now(dt.UTC)
    removed = []
    for path in folder.glob(f"{table}.*.parquet"):
        _, host, pid, *_ = path.name.split(".")
        try:
            created = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
        except FileNotFoundError:
            continue
        owner = Owner(host, int(pid)) if pid.isdigit() else None
        if is_stale(owner, created, now):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


@dataclass
class StagedRows:
    """Validated rows of one or more days, waiting in a parquet file for the warehouse."""

    spec: TableSpec
    path: Path
    days: list[dt.date] = field(default_factory=list)
    rows_per_day: dict[dt.date, int] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows_per_day.values())


class RowStager:
    """Validates rows day by day and appends them, chunk by chunk, to one parquet file."""

    def __init__(self, spec: TableSpec, row_type: type, extractor_name: str, path: Path) -> None:
        self.spec = spec
        self.staged = StagedRows(spec=spec, path=path)
        self._validator = RowValidator(spec, row_type, extractor_name)
        self._schema = arrow_schema(spec)
        self._writer: pq.ParquetWriter | None = None
        self._batches: list[pa.RecordBatch] = []
        self._buffered = 0

    def __enter__(self) -> RowStager:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def add_day(
        self, day: dt.date, window: tuple[dt.datetime, dt.datetime], rows: Iterable[Any]
    ) -> int:
        """Validate and stage the rows of one day; return how many there were.

        Rows are read a chunk at a time. If reading them fails, the rows read before the
        failure are checked first, so a bad row is reported before the reading error, as
        when each row was checked as soon as it came.
        """
        import pyarrow as pa

        count = 0
        iterator = iter(rows)
        while True:
            with _collector_paused():
                chunk, failure = _take(iterator, CHUNK_ROWS)
                if chunk:
                    arrays = self._validator.batch_arrays(day, window, chunk, count + 1)
                    self._add_batch(pa.RecordBatch.from_arrays(arrays, schema=self._schema))
                    count += len(chunk)
            if failure is not None:
                raise failure
            if len(chunk) < CHUNK_ROWS:
                break
        self._validator.check_count(day, count)
        self.staged.days.append(day)
        self.staged.rows_per_day[day] = count
        return count

    def _add_batch(self, batch: pa.RecordBatch) -> None:
        self._batches.append(batch)
        self._buffered += batch.num_rows
        if self._buffered >= CHUNK_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._buffered:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self._writer is None:
            self._writer = pq.ParquetWriter(self.staged.path, self._schema)
        self._writer.write_table(pa.Table.from_batches(self._batches, schema=self._schema))
        self._batches = []
        self._buffered = 0

    def close(self) -> StagedRows:
        """Write what is buffered and close the file; return what was staged."""
        self._flush()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        return self.staged


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a chunk of rows is read and staged.

    A chunk is tens of thousands of new objects, without cycles, that live until the chunk
    is staged: the collector would scan them (and the rest of the heap) over and over for
    nothing, a fifth of the staging time of a big table. Reference counting still frees
    them; collection resumes after the chunk.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _take(iterator: Iterator[Any], size: int) -> tuple[list[Any], Exception | None]:
    """Up to ``size`` items of ``iterator``, and the exception that stopped it early, if any."""
    taken: list[Any] = []
    try:
        for item in iterator:
            taken.append(item)
            if len(taken) == size:
                break
    except Exception as error:
        return taken, error
    return taken, None
