"""The local instance's event log storage: Dagster's SQLite one, without a new database per event.

Dagster's ``SqliteEventLogStorage`` builds an engine, opens a connection and closes it for
every event it stores; closing the last connection of a SQLite database in WAL mode
checkpoints the WAL into the database file and fsyncs both, so each event costs several
fsyncs (about 6 ms here, a catch-up stores a few events per day and asset). This subclass
keeps one connection open per database it writes (the index shard and the few most recent
run shards) with ``synchronous=NORMAL``: a commit appends to the WAL without an fsync, the
checkpoint fsyncs. The trade is SQLite's documented one for WAL mode: a power loss or an OS
crash may lose the last events committed before it (never corrupting the database); a
killed process loses nothing it committed. It is the local instance of ``dagster dev``,
whose runs can be re-run; production stores events in PostgreSQL.

What Dagster reads is unchanged: the same tables in the same files, every event one row, so
partition statuses (failed days included) come out the same. The UI follows a running run by
watching its database file change, which a kept connection no longer makes happen before
the checkpoint: the file's modification time is touched after each stored event instead.

Dagster also asks whether a table exists before storing each check evaluation and each
materialization's tags, every time on a new connection (about 1 ms); tables are only ever
added (by migrations), so a table once found is remembered.

A run over a range of days is created with one "planned" event per day and asset (so that a
failed run marks its days failed), and a ranged step stores one materialization per day.
Dagster's SQLite storage stores a batch of them one by one (a statement compiled, run and
committed per event in the run's database and again in the index: about 4 s of the daemon's
CPU to create a catch-up run of the demo's 6 tables over a year). When Dagster hands them
over as a batch (``DAGSTER_EVENT_BATCH_SIZE`` set, as ``analytics-assets dev`` does), they
are stored with a few multi-row INSERTs instead, each still one row in the same tables, and
each asset's row of the index updated by its last event, as dagster-postgres stores a batch
of materializations.

Such a batch is written in two databases (the run's, then the index), which no transaction
spans in WAL mode: a run killed between the two commits would leave its days in the run's
log and not in the index (shown failed while BigQuery holds them, missing from the asset's
history for good). So the run is first recorded in the index's table of pending batches,
and cleared in the index's own commit; when the run ends failed or canceled (its end stored
by the daemon's run monitoring or by the run), a pending record left behind is repaired:
what the run's database holds of the batch and the index lacks is indexed, once.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

import sqlalchemy as db
from dagster._core.events import DagsterEventType
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log import SqlEventLogStorageTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SqliteEventLogStorage,
)
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData, deserialize_value
from sqlalchemy import event as db_event
from sqlalchemy import pool as db_pool

from analytics_assets.assembly.dagster_private import index_day_events, split_by_kind

#: Run shards whose connection stays open (the runs of this process write one or two at a time).
KEPT_RUN_SHARDS = 4
#: Rows per INSERT of a batch: 7 parameters a row, under SQLite's 32,766 per statement.
ROWS_PER_INSERT = 1000
#: Runs whose batch of day events is in their database and maybe not yet in the index.
PENDING_BATCHES = db.Table(
    "analytics_assets_pending_batches",
    db.MetaData(),
    db.Column("run_id", db.String(255), primary_key=True),
)
#: Run ends after which a batch the run left half-stored is repaired.
RUN_ENDS = (DagsterEventType.RUN_FAILURE, DagsterEventType.RUN_CANCELED)
#: The batches of one event per asset and day Dagster hands over that are stored at once: a
#: run's plan (created by the daemon or the UI) and a ranged step's materializations.
DAY_EVENT_KINDS = (
    DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
    DagsterEventType.ASSET_MATERIALIZATION,
)


def _chunks(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [rows[i : i + ROWS_PER_INSERT] for i in range(0, len(rows), ROWS_PER_INSERT)]


def _relaxed_sync(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class KeptConnectionSqliteEventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` keeping a connection per database it writes, WAL without fsync.

    Configured in the repository's ``dagster.yaml`` as ``event_log_storage`` with the same
    ``base_dir`` the embedded ``storage: sqlite`` gives its event logs.
    """

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines: OrderedDict[str, db.Engine] = OrderedDict()
        self._found_tables: set[str] = set()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(  # pyright: ignore[reportIncompatibleMethodOverride]
        cls, inst_data: ConfigurableClassData | None, config_value: Any
    ) -> KeptConnectionSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> db.Engine:
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        engine = db.create_engine(
            self.conn_string_for_shard(shard),
            poolclass=db_pool.StaticPool,  # one connection, used under the storage's lock
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        )
        db_event.listen(engine, "connect", _relaxed_sync)
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        runs = [name for name in self._engines if name != INDEX_SHARD_NAME]
        for evicted in runs[: max(0, len(runs) - KEPT_RUN_SHARDS)]:
            self._engines.pop(evicted).dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[db.Connection]:
        with self._db_lock, self._engine(shard).connect() as conn, conn.begin():
            yield conn

    def has_table(self, table_name: str) -> bool:
        if table_name not in self._found_tables and super().has_table(table_name):
            self._found_tables.add(table_name)
        return table_name in self._found_tables

    def _touch(self, run_ids: set[str]) -> None:
        """Tell watchers of these runs' databases (the UI) that events arrived."""
        for run_id in run_ids:
            with suppress(FileNotFoundError):
                os.utime(self.path_for_shard(run_id))

    def store_event(self, event: EventLogEntry) -> None:
        super().store_event(event)
        self._touch({event.run_id})
        if event.dagster_event is not None and event.dagster_event.event_type in RUN_ENDS:
            self.repair_half_stored_batch(event.run_id)

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        kinds = {event.get_dagster_event().event_type for event in events}
        kind = next((k for k in DAY_EVENT_KINDS if k in kinds), None)
        day_events, others = split_by_kind(events, kind) if kind else ([], list(events))
        rows = [self._event_to_row(event) for event in day_events]
        runs = {row["run_id"] for row in rows}
        days = {(row["asset_key"], row["partition"]) for row in rows}
        if len(runs) != 1 or len(days) != len(rows):  # not one run's event per asset and day
            day_events, others = [], list(events)
        for event in others:
            self.store_event(event)
        if day_events:
            self._store_at_once(next(iter(runs)), day_events, rows)
            self._touch(runs)

    def _store_at_once(
        self, run_id: str, events: Sequence[EventLogEntry], rows: list[dict[str, Any]]
    ) -> None:
        """The rows ``store_event`` writes for each event, in the run's database and then in
        the index, a few INSERTs in all, the run recorded as pending in between."""
        with self.index_connection() as conn:
            if PENDING_BATCHES.name not in self._found_tables:
                PENDING_BATCHES.create(conn, checkfirst=True)
                self._found_tables.add(PENDING_BATCHES.name)
            conn.execute(PENDING_BATCHES.insert().prefix_with("OR IGNORE").values(run_id=run_id))
        with self.run_connection(run_id) as conn:
            for chunk in _chunks(rows):
                conn.execute(SqlEventLogStorageTable.insert().values(chunk))
        with self.index_connection() as conn:
            self._index(conn, events, rows)
            conn.execute(PENDING_BATCHES.delete().where(PENDING_BATCHES.c.run_id == run_id))

    def _index(
        self, conn: db.Connection, events: Sequence[EventLogEntry], rows: list[dict[str, Any]]
    ) -> None:
        """Insert ``rows`` into the index, its ids matched back by asset and day."""
        table = SqlEventLogStorageTable
        index_ids: dict[tuple[str, str], int] = {}
        for chunk in _chunks(rows):
            inserted = table.insert().values(chunk)
            returned = inserted.returning(table.c.id, table.c.asset_key, table.c.partition)
            index_ids.update({(key, day): id_ for id_, key, day in conn.execute(returned)})
        ids = [index_ids[(row["asset_key"], row["partition"])] for row in rows]
        index_day_events(self, conn, events, ids)

    def repair_half_stored_batch(self, run_id: str) -> int:
        """Index what ``run_id``'s database holds of a batch it left pending and the index
        lacks (its process killed between the two commits); the number of events indexed."""
        if not self.has_table(PENDING_BATCHES.name):
            return 0
        pending = PENDING_BATCHES.c.run_id == run_id
        with self.index_connection() as conn:
            if conn.execute(db.select(PENDING_BATCHES.c.run_id).where(pending)).first() is None:
                return 0
        table = SqlEventLogStorageTable
        kinds = [kind.value for kind in DAY_EVENT_KINDS]
        of_run = (table.c.run_id == run_id) & table.c.dagster_event_type.in_(kinds)
        with self.run_connection(run_id) as conn:
            stored = [
                deserialize_value(text, EventLogEntry)
                for (text,) in conn.execute(db.select(table.c.event).where(of_run))
            ]
        with self.index_connection() as conn:
            done = (table.c.asset_key, table.c.partition, table.c.dagster_event_type)
            indexed = set(conn.execute(db.select(*done).where(of_run)).tuples())
            rows = [self._event_to_row(event) for event in stored]
            missing = [
                (event, row)
                for event, row in zip(stored, rows, strict=True)
                if (row["asset_key"], row["partition"], row["dagster_event_type"]) not in indexed
            ]
            for kind in DAY_EVENT_KINDS:  # index_day_events takes one kind at a time
                of_kind = [pair for pair in missing if pair[1]["dagster_event_type"] == kind.value]
                if of_kind:
                    self._index(conn, [e for e, _ in of_kind], [r for _, r in of_kind])
            conn.execute(PENDING_BATCHES.delete().where(pending))
        return len(missing)

    def _dispose_engines(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        self._dispose_engines()  # its run databases are deleted: never write to a deleted file
        self._found_tables.clear()
        super().wipe()

    def dispose(self) -> None:
        self._dispose_engines()
        super().dispose()
