"""An optional lever of the production instance: dagster-postgres' event storage, kept connections.

``PostgresEventLogStorage`` opens a new PostgreSQL connection (TCP, authentication) for each
statement group, two to three per stored event; a catch-up stores a few events per day and
asset. This subclass keeps a small pool instead (one connection kept, more opened while
needed, each checked with a ping before use and recycled hourly), and stores a batch of
*planned* events as one multi-row INSERT, as dagster-postgres already does for a batch of
materializations: Dagster hands a ranged run's per-partition events over in batches when
``DAGSTER_EVENT_BATCH_SIZE`` is set in the run worker's environment (docs/deploy.md).
Every event is still one row, so partition statuses (failed days included) are unchanged.
A table once found is remembered: Dagster asks whether one exists before storing each check
evaluation, and tables are only ever added (by migrations).

Not configured by default (``deploy/dagster.yaml`` uses dagster-postgres' own storage,
what the Helm chart and Dagster+ run): a deployment where every Dagster process (webserver,
daemon, code servers, run workers) can import this package may name it there, for the gain
measured in docs/performance.md, at the price of auditing it at every Dagster upgrade.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dagster._core.events import DagsterEventType
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log import SqlEventLogStorageTable
from dagster._serdes import ConfigurableClassData
from dagster_postgres.event_log.event_log import PostgresEventLogStorage
from dagster_postgres.utils import (
    create_pg_engine,
    get_token_provider_from_config,
    pg_url_from_config,
)

from analytics_assets.assembly.dagster_private import index_day_events, split_by_kind

#: Extra connections opened while the kept one is busy (closed again when returned).
OVERFLOW = 8
RECYCLE_SECONDS = 3600


class PooledPostgresEventLogStorage(PostgresEventLogStorage):
    """``PostgresEventLogStorage`` on a pooled engine, storing planned-event batches at once."""

    def __init__(
        self,
        postgres_url: str,
        should_autocreate_tables: bool = True,
        inst_data: ConfigurableClassData | None = None,
        token_provider: Any = None,
    ) -> None:
        self._found_tables: set[str] = set()
        super().__init__(postgres_url, should_autocreate_tables, inst_data, token_provider)
        self._engine.dispose()
        self._engine = create_pg_engine(
            postgres_url,
            token_provider,
            isolation_level="AUTOCOMMIT",
            pool_size=1,
            max_overflow=OVERFLOW,
            pool_recycle=RECYCLE_SECONDS,
            pool_pre_ping=True,
        )

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]
    ) -> PooledPostgresEventLogStorage:
        return cls(
            inst_data=inst_data,
            postgres_url=pg_url_from_config(config_value),
            should_autocreate_tables=config_value.get("should_autocreate_tables", True),
            token_provider=get_token_provider_from_config(config_value),
        )

    def has_table(self, table_name: str) -> bool:
        if table_name not in self._found_tables and super().has_table(table_name):
            self._found_tables.add(table_name)
        return table_name in self._found_tables

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        planned, others = split_by_kind(events, DagsterEventType.ASSET_MATERIALIZATION_PLANNED)
        if not planned:
            super().store_event_batch(events)
            return
        for event in others:  # a run's plan: one planned evaluation per check, all its days
            self.store_event(event)
        with self._connect() as conn:
            result = conn.execute(
                self.prepare_insert_event_batch(planned).returning(SqlEventLogStorageTable.c.id)
            )
            event_ids = [int(row[0]) for row in result.fetchall()]
        with self.index_transaction() as conn:
            index_day_events(self, conn, planned, event_ids)

    def dispose(self) -> None:
        super().dispose()
        self._engine.dispose()
