"""The event storages both instances configure keep every partition's status right.

The local instance (repository ``dagster.yaml``) keeps its SQLite connections open; the
production one (``deploy/dagster.yaml``) uses dagster-postgres' own storages, and this
package's pooled event storage is an optional lever there (its connections pooled, a batch
of planned events stored at once). With ``DAGSTER_EVENT_BATCH_SIZE`` set, a day that failed
must stay failed, as seen by another instance on the same storage (the UI, the catch-up
sensor). The storages of this package ask their database whether a table exists once per
table, not once per stored event.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from dataclasses import dataclass

import dagster as dg
import pytest

from analytics_assets.assembly.partitions import daily_partitions
from analytics_assets.extract import DateAggregatedExtractor
from analytics_assets.testing import location_settings, materialize
from analytics_assets_tests.postgres import require_postgres, temporary_database
from benchmarks.embedded_instance import embedded_instance
from benchmarks.production_instance import instance_environment, production_yaml

SETTINGS = location_settings("2024-01-01")
DAYS = [f"2024-01-0{n}" for n in range(1, 6)]
BROKEN_DAYS: set[str] = set()


@dataclass
class Visits:
    visits: int


class VisitsExtractor(DateAggregatedExtractor[Visits]):
    source = "python"

    def extract(self, start: dt.datetime, end: dt.datetime):
        if start.date().isoformat() in BROKEN_DAYS:
            raise ValueError(f"no visits log on {start.date()}")
        yield Visits(start.day)


@dataclass
class Signups:
    signups: int


class SignupsExtractor(DateAggregatedExtractor[Signups]):
    source = "python"

    def extract(self, start: dt.datetime, end: dt.datetime):
        yield Signups(2 * start.day)


def _statuses(instance: dg.DagsterInstance, table: str) -> set[dg.AssetPartitionStatus | None]:
    status = instance.get_status_by_partition(dg.AssetKey(table), DAYS, daily_partitions(SETTINGS))
    assert status is not None
    return set(status.values())


def _count_table_lookups(storage: object, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Count the lookups the storage's Dagster class makes in the database, per table name."""
    dagster_class = type(storage).__bases__[0]
    lookup = dagster_class.has_table
    asked: Counter[str] = Counter()

    def counted(self, table_name: str) -> bool:
        asked[table_name] += 1
        return lookup(self, table_name)

    monkeypatch.setattr(dagster_class, "has_table", counted)
    return asked


def _a_failed_day_stays_failed(
    instance: dg.DagsterInstance, reader: dg.DagsterInstance, warehouse
) -> None:
    """A range with one broken day of one table: that table's days failed, the other's done,
    one planned event per day and asset, as ``instance`` and ``reader`` both see it."""
    extractors = [VisitsExtractor, SignupsExtractor]
    BROKEN_DAYS.add("2024-01-04")
    try:
        run = materialize(
            extractors,
            warehouse,
            DAYS[0],
            DAYS[-1],
            settings=SETTINGS,
            instance=instance,
            raise_on_error=False,
        )
    finally:
        BROKEN_DAYS.clear()
    assert not run.success
    for seen_by in (instance, reader):
        assert _statuses(seen_by, "visits") == {dg.AssetPartitionStatus.FAILED}
        assert _statuses(seen_by, "signups") == {dg.AssetPartitionStatus.MATERIALIZED}
    planned = reader.all_logs(
        run.dagster_result.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED
    )
    visits = [
        event.dagster_event.partition
        for event in planned
        if event.dagster_event is not None
        and event.dagster_event.asset_key == dg.AssetKey("visits")
    ]
    assert sorted(str(day) for day in visits) == DAYS
    again = materialize(
        extractors, warehouse, DAYS[0], DAYS[-1], settings=SETTINGS, instance=instance
    )
    assert again.success
    assert _statuses(reader, "visits") == {dg.AssetPartitionStatus.MATERIALIZED}


@pytest.mark.parametrize("batch_size", [None, "10000"], ids=["event_by_event", "in_batches"])
def test_the_local_instance_keeps_a_failed_day_failed_and_readable_by_another_process(
    tmp_path, warehouse, monkeypatch, batch_size
):
    if batch_size:  # `analytics-assets dev` sets it: planned events are stored as a batch
        monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", batch_size)
    with embedded_instance(str(tmp_path)) as instance:
        storage = instance.event_log_storage
        assert type(storage).__name__ == "KeptConnectionSqliteEventLogStorage"
        asked = _count_table_lookups(storage, monkeypatch)
        with dg.DagsterInstance.from_config(str(tmp_path)) as reader:
            _a_failed_day_stays_failed(instance, reader, warehouse)
        assert asked["asset_event_tags"] == 1, asked  # asked per materialization before
        assert max(asked.values()) == 1, asked


def _day_index(
    instance: dg.DagsterInstance, run_id: str, check_keys: set[dg.AssetCheckKey]
) -> dict[str, object]:
    """What the index tells of a run's days: per asset and day the planning run and the
    materializing run, each asset's latest planned and latest materialization, its
    materialized days, and each check's evaluation of each day."""
    index: dict[str, object] = {}
    for table in ("visits", "signups"):
        key = dg.AssetKey(table)
        for kind in (
            dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
            dg.DagsterEventType.ASSET_MATERIALIZATION,
        ):
            records = instance.event_log_storage.get_event_records(
                dg.EventRecordsFilter(kind, key), limit=100
            )
            index[f"{table} {kind.value}"] = sorted(
                (r.partition_key, r.run_id == run_id) for r in records
            )
        for day in DAYS:
            info = instance.get_latest_planned_materialization_info(key, day)
            index[f"{table} {day} planned"] = info is not None and info.run_id == run_id
        latest = instance.get_latest_materialization_event(key)
        index[f"{table} latest"] = latest is not None and latest.run_id == run_id
        index[f"{table} materialized"] = sorted(instance.get_materialized_partitions(key))
    assert check_keys
    for check_key in check_keys:
        history = instance.event_log_storage.get_asset_check_execution_history(check_key, 100)
        index[check_key.to_user_string()] = sorted(
            (str(r.partition), r.status.value) for r in history if r.run_id == run_id
        )
    return index


def _count_batches(storage: object, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """The kind and size of each batch of per-day events the storage stores at once."""
    batches: list[tuple[str, int]] = []
    store = storage._store_at_once  # pyright: ignore[reportAttributeAccessIssue]

    def counted(run_id: str, events: list[dg.EventLogEntry], rows: list) -> None:
        batches.append((events[0].get_dagster_event().event_type_value, len(events)))
        store(run_id, events, rows)

    monkeypatch.setattr(storage, "_store_at_once", counted)
    return batches


def test_batches_of_planned_days_and_materializations_index_each_day_as_one_by_one(
    tmp_path, warehouse, monkeypatch
):
    seen = {}
    for batch_size in (None, "10000"):
        if batch_size:
            monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", batch_size)
        home = tmp_path / f"batch_{batch_size}"
        home.mkdir()
        with embedded_instance(str(home)) as instance:
            batches = _count_batches(instance.event_log_storage, monkeypatch)
            run = materialize(
                [VisitsExtractor, SignupsExtractor],
                warehouse,
                DAYS[0],
                DAYS[-1],
                settings=SETTINGS,
                instance=instance,
                checks=True,  # the plan then holds the checks' planned evaluations too
            )
            result = run.dagster_result
            checked = {e.asset_check_key for e in result.get_asset_check_evaluations()}
            seen[batch_size] = _day_index(instance, result.run_id, checked)
            planned, materialized = "ASSET_MATERIALIZATION_PLANNED", "ASSET_MATERIALIZATION"
            expected = [
                (planned, 2 * len(DAYS)),
                (materialized, len(DAYS)),
                (materialized, len(DAYS)),
            ]
            assert sorted(batches) == (sorted(expected) if batch_size else [])
    assert seen["10000"] == seen[None]
    assert seen[None]["visits ASSET_MATERIALIZATION"] == [(day, True) for day in DAYS]
    assert seen[None]["visits materialized"] == DAYS


def test_a_watcher_of_a_run_on_the_local_instance_sees_each_event_as_it_is_stored(tmp_path):
    with embedded_instance(str(tmp_path)) as instance:
        storage = instance.event_log_storage
        seen: list[str] = []
        arrived = threading.Event()

        def on_event(entry: dg.EventLogEntry, _cursor: str) -> None:
            seen.append(entry.user_message)
            arrived.set()

        def log(message: str) -> dg.EventLogEntry:
            return dg.EventLogEntry(
                error_info=None,
                level="INFO",
                user_message=message,
                run_id="watched",
                timestamp=time.time(),
            )

        storage.store_event(log("first"))  # creates the run's database, as a run's start does
        storage.watch("watched", None, on_event)
        try:
            for message in ("second", "third"):
                arrived.clear()
                storage.store_event(log(message))
                assert arrived.wait(10), f"the watcher was not told of {message!r}: {seen}"
        finally:
            storage.end_watch("watched", on_event)
        assert seen[-1] == "third"


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("pooled_events", "storage_class"),
    [(False, "PostgresEventLogStorage"), (True, "PooledPostgresEventLogStorage")],
    ids=["dagster_postgres", "pooled_lever"],
)
def test_the_production_instance_with_event_batches_keeps_a_failed_day_failed(
    tmp_path, warehouse, monkeypatch, pooled_events, storage_class
):
    require_postgres()
    with temporary_database("dagster_events") as database:
        (tmp_path / "dagster.yaml").write_text(production_yaml(pooled_events))
        for name, value in instance_environment(database).items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "10000")
        with (
            dg.DagsterInstance.from_config(str(tmp_path)) as instance,
            dg.DagsterInstance.from_config(str(tmp_path)) as reader,
        ):
            storage = instance.event_log_storage
            assert type(storage).__name__ == storage_class
            asked = _count_table_lookups(storage, monkeypatch) if pooled_events else None
            _a_failed_day_stays_failed(instance, reader, warehouse)
        if asked is not None:  # the lever asks once per table; Dagster's own, once per event
            assert asked["asset_event_tags"] == 1, asked
            assert max(asked.values()) == 1, asked
