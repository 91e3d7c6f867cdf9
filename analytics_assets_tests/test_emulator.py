"""The embedded BigQuery emulator: its patches, its launcher, the BigQuery features we rely on."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from google.cloud import bigquery

import analytics_assets.local.emulator_patches as emulator_patches
from analytics_assets.local.emulator import ensure_running, stop_detached
from analytics_assets.local.emulator_process import (
    SERVER_MODULE,
    EmbeddedEmulator,
    EmulatorStartError,
    pid_file_path,
)
from analytics_assets.local.network import emulator_url, free_port, is_healthy, port_is_free
from analytics_assets_tests.emulator_fixtures import (
    bigquery_emulator,  # noqa: F401  (a fixture, used by name)
    make_emulator_client,
)

PROJECT = "local-project"

TABLE_SCHEMA = [
    bigquery.SchemaField("date", "DATE", mode="REQUIRED"),
    bigquery.SchemaField("orders", "INT64"),
    bigquery.SchemaField("revenue", "NUMERIC"),
    bigquery.SchemaField("is_weekend", "BOOL"),
    bigquery.SchemaField("computed_at", "TIMESTAMP"),
    bigquery.SchemaField("fingerprint", "BYTES"),
    bigquery.SchemaField("conversion_rate", "FLOAT64"),
    bigquery.SchemaField("note", "STRING", mode="NULLABLE"),
]
COLUMNS = ", ".join(field.name for field in TABLE_SCHEMA)
ARROW_SCHEMA = pa.schema(
    [
        pa.field("date", pa.date32(), nullable=False),
        pa.field("orders", pa.int64()),
        pa.field("revenue", pa.decimal128(38, 9)),
        pa.field("is_weekend", pa.bool_()),
        pa.field("computed_at", pa.timestamp("us", tz="UTC")),
        pa.field("fingerprint", pa.binary()),
        pa.field("conversion_rate", pa.float64()),
        pa.field("note", pa.string()),
    ]
)
COMPUTED_AT = dt.datetime(2024, 1, 4, 3, 2, 1, 123456, tzinfo=dt.UTC)


def day_row(day: int, orders: int, revenue: str, note: str | None) -> tuple[object, ...]:
    return (
        dt.date(2024, 1, day),
        orders,
        decimal.Decimal(revenue),
        dt.date(2024, 1, day).weekday() >= 5,
        COMPUTED_AT,
        bytes([0, 255, day]) + b"\n\x01",
        orders / 7,
        note,
    )


@pytest.fixture
def client(bigquery_emulator: str) -> bigquery.Client:  # noqa: F811
    return make_emulator_client(bigquery_emulator, PROJECT)


@pytest.fixture
def dataset_id(client: bigquery.Client) -> Iterator[str]:
    """A dataset in the EU that only this test uses."""
    dataset = bigquery.Dataset(f"{PROJECT}.test_{uuid.uuid4().hex[:10]}")
    dataset.location = "EU"
    client.create_dataset(dataset)
    yield dataset.dataset_id
    client.delete_dataset(dataset, delete_contents=True)


def create_partitioned_table(client: bigquery.Client, table_id: str) -> bigquery.Table:
    table = bigquery.Table(table_id, schema=TABLE_SCHEMA)
    table.time_partitioning = bigquery.TimePartitioning(
        type_=bigquery.TimePartitioningType.DAY, field="date"
    )
    return client.create_table(table)


def load_parquet(
    client: bigquery.Client, table_id: str, rows: list[tuple[object, ...]], path: Path
) -> None:
    columns = list(zip(*rows, strict=True))
    table = pa.Table.from_arrays(
        [
            pa.array(values, type=field.type)
            for values, field in zip(columns, ARROW_SCHEMA, strict=True)
        ],
        schema=ARROW_SCHEMA,
    )
    pq.write_table(table, path)
    config = bigquery.LoadJobConfig(
        source_format=bigquery.SourceFormat.PARQUET,
        schema=TABLE_SCHEMA,
        write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE,
    )
    with path.open("rb") as parquet_file:
        client.load_table_from_file(parquet_file, table_id, job_config=config).result()


def read_rows(client: bigquery.Client, table_id: str) -> list[tuple[object, ...]]:
    query = f"SELECT {COLUMNS} FROM `{table_id}` ORDER BY date, orders"
    return [tuple(row.values()) for row in client.query(query).result()]


def emulator_pids_serving(data_dir: Path) -> list[int]:
    """Pids of live emulator server processes whose command line names ``data_dir``."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            arguments = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if SERVER_MODULE.encode() in arguments and str(data_dir).encode() in arguments:
            pids.append(int(cmdline.parent.name))
    return pids


needs_proc = pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")


# -- the patches -----------------------------------------------------------------------------


def test_patches_apply_idempotently_to_the_pinned_bqemulator() -> None:
    emulator_patches.apply_patches()
    emulator_patches.apply_patches()

    from bqemulator.api.routes import upload

    assert emulator_patches.patches_applied()
    assert upload._PERMITTED_MEDIA_CONTENT_TYPES.count("*/*") == 1


def test_apply_patches_names_the_attribute_an_upgrade_moved(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bqemulator.api.routes import upload

    monkeypatch.delattr(upload, "_PERMITTED_MEDIA_CONTENT_TYPES")
    with pytest.raises(RuntimeError, match=r"api\.routes\.upload\._PERMITTED_MEDIA_CONTENT_TYPES"):
        emulator_patches.apply_patches()


# -- BigQuery features through the real client -----------------------------------------------


def test_emulator_answers_its_health_check(bigquery_emulator: str) -> None:  # noqa: F811
    assert is_healthy(bigquery_emulator)
    assert not is_healthy(emulator_url(free_port()))


def test_dataset_keeps_location_labels_and_description(client: bigquery.Client) -> None:
    dataset = bigquery.Dataset(f"{PROJECT}.described_{uuid.uuid4().hex[:8]}")
    dataset.location = "EU"
    dataset.labels = {"team": "analytics"}
    dataset.description = "Daily analytics"
    client.create_dataset(dataset)

    stored = client.get_dataset(dataset.reference)
    assert (stored.location, stored.labels, stored.description) == (
        "EU",
        {"team": "analytics"},
        "Daily analytics",
    )


def test_partitioned_table_keeps_schema_partitioning_labels_and_description(
    client: bigquery.Client, dataset_id: str
) -> None:
    table = bigquery.Table(f"{PROJECT}.{dataset_id}.daily", schema=TABLE_SCHEMA)
    table.time_partitioning = bigquery.TimePartitioning(
        type_=bigquery.TimePartitioningType.DAY, field="date"
    )
    table.labels = {"layer": "mart"}
    table.description = "One row per day"
    client.create_table(table)

    stored = client.get_table(table.reference)
    assert [(f.name, f.field_type, f.mode) for f in stored.schema] == [
        (f.name, f.field_type, f.mode) for f in TABLE_SCHEMA
    ]
    assert stored.time_partitioning is not None
    assert (stored.time_partitioning.type_, stored.time_partitioning.field) == ("DAY", "date")
    assert (stored.labels, stored.description) == ({"layer": "mart"}, "One row per day")


def test_parquet_load_then_day_replace_transaction_leaves_exactly_the_new_rows(
    client: bigquery.Client, dataset_id: str, tmp_path: Path
) -> None:
    target = f"{PROJECT}.{dataset_id}.daily"
    staging = f"{PROJECT}.{dataset_id}.daily_staging"
    create_partitioned_table(client, target)
    kept = day_row(1, 10, "1.5", "kept")
    existing_rows = [kept, day_row(2, 20, "2", "old"), day_row(3, 30, "3", "old")]
    load_parquet(client, target, existing_rows, tmp_path / "existing.parquet")
    new_rows = [
        day_row(2, 21, "12345678901234567890.123456789", None),
        day_row(2, 22, "-0.000000001", "café ☕"),
        day_row(3, 31, "99999999999999999999999999999.999999999", ""),
    ]
    load_parquet(client, staging, new_rows, tmp_path / "new.parquet")

    client.query(
        f"""
        BEGIN TRANSACTION;
        DELETE FROM `{target}` WHERE date BETWEEN DATE '2024-01-02' AND DATE '2024-01-03';
        INSERT INTO `{target}` ({COLUMNS}) SELECT {COLUMNS} FROM `{staging}`;
        COMMIT TRANSACTION;
        """
    ).result()

    assert read_rows(client, target) == [kept, *new_rows]


def test_failing_statement_rolls_back_the_whole_transaction(
    client: bigquery.Client, dataset_id: str, tmp_path: Path
) -> None:
    target = f"{PROJECT}.{dataset_id}.daily"
    create_partitioned_table(client, target)
    before = [day_row(1, 10, "1", "a"), day_row(2, 20, "2", "b")]
    load_parquet(client, target, before, tmp_path / "rows.parquet")

    with pytest.raises(Exception, match="missing_staging"):
        client.query(
            f"""
            BEGIN TRANSACTION;
            DELETE FROM `{target}` WHERE date = DATE '2024-01-01';
            INSERT INTO `{target}` ({COLUMNS})
                SELECT {COLUMNS} FROM `{PROJECT}.{dataset_id}.missing_staging`;
            COMMIT TRANSACTION;
            """
        ).result()
    with pytest.raises(Exception, match="boom"):
        client.query(
            f"""
            BEGIN TRANSACTION;
            DELETE FROM `{target}` WHERE date = DATE '2024-01-01';
            SELECT ERROR('boom');
            COMMIT TRANSACTION;
            """
        ).result()

    assert read_rows(client, target) == before


def test_query_parameters_are_bound(client: bigquery.Client) -> None:
    config = bigquery.QueryJobConfig(
        query_parameters=[
            bigquery.ScalarQueryParameter("day", "DATE", dt.date(2024, 2, 29)),
            bigquery.ScalarQueryParameter("amount", "NUMERIC", decimal.Decimal("0.000000001")),
            bigquery.ScalarQueryParameter("label", "STRING", "it's"),
        ]
    )
    rows = client.query(
        "SELECT DATE_ADD(@day, INTERVAL 1 DAY) AS next_day, @amount * 2 AS doubled, @label AS l",
        job_config=config,
    ).result()

    assert [tuple(row.values()) for row in rows] == [
        (dt.date(2024, 3, 1), decimal.Decimal("0.000000002"), "it's")
    ]


def test_replaced_view_with_lag_and_self_join_computes_day_over_day_changes(
    client: bigquery.Client, dataset_id: str, tmp_path: Path
) -> None:
    daily = f"{PROJECT}.{dataset_id}.daily"
    view = f"{PROJECT}.{dataset_id}.daily_changes"
    create_partitioned_table(client, daily)
    load_parquet(
        client,
        daily,
        [day_row(1, 10, "1", None), day_row(2, 15, "1", None), day_row(4, 12, "1", None)],
        tmp_path / "rows.parquet",
    )
    client.query(f"CREATE OR REPLACE VIEW `{view}` AS SELECT 1 AS placeholder").result()
    client.query(
        f"""
        CREATE OR REPLACE VIEW `{view}` AS
        SELECT
            today.date,
            today.orders - LAG(today.orders) OVER (ORDER BY today.date) AS since_previous_row,
            today.orders - COALESCE(yesterday.orders, 0) AS since_yesterday
        FROM `{daily}` AS today
        LEFT JOIN `{daily}` AS yesterday
            ON yesterday.date = DATE_SUB(today.date, INTERVAL 1 DAY)
        """
    ).result()

    rows = client.query(f"SELECT * FROM `{view}` ORDER BY date").result()
    assert [tuple(row.values()) for row in rows] == [
        (dt.date(2024, 1, 1), None, 10),
        (dt.date(2024, 1, 2), 5, 5),
        (dt.date(2024, 1, 4), -3, 12),
    ]


# -- the launcher ----------------------------------------------------------------------------


def test_ensure_running_reuses_a_healthy_emulator_instead_of_starting_one(
    bigquery_emulator: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    port = int(bigquery_emulator.rsplit(":", 1)[1])
    data_dir = tmp_path / "bigquery"

    assert ensure_running(data_dir, port, PROJECT) == bigquery_emulator
    assert not pid_file_path(data_dir).exists()
    assert not data_dir.exists()


@needs_proc
def test_concurrent_ensure_running_start_one_detached_emulator_that_stop_detached_ends(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "bigquery"
    port = free_port()
    caller = textwrap.dedent(
        f"""
        from pathlib import Path
        from analytics_assets.local.emulator import ensure_running
        print(ensure_running(Path({str(data_dir)!r}), {port}, {PROJECT!r}))
        """
    )
    callers = [
        subprocess.Popen([sys.executable, "-c", caller], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    try:
        outputs = [caller.communicate(timeout=90)[0].strip() for caller in callers]
        assert outputs == [emulator_url(port)] * 2
        [pid] = emulator_pids_serving(data_dir)
        assert json.loads(pid_file_path(data_dir).read_text()) == {
            "pid": pid,
            "port": port,
            "url": emulator_url(port),
        }
        assert ensure_running(data_dir, port, PROJECT) == emulator_url(port)
        assert emulator_pids_serving(data_dir) == [pid]
    finally:
        stopped = stop_detached(data_dir)

    assert stopped
    assert emulator_pids_serving(data_dir) == []
    assert port_is_free(port)
    assert not pid_file_path(data_dir).exists()
    assert stop_detached(data_dir) is False


@needs_proc
def test_stop_leaves_no_process_behind(tmp_path: Path) -> None:
    data_dir = tmp_path / "bigquery"
    started = time.monotonic()
    with EmbeddedEmulator.start(data_dir, free_port(), PROJECT, detached=False) as emulator:
        startup_seconds = time.monotonic() - started
        assert emulator_pids_serving(data_dir) == [emulator.pid]
    assert emulator_pids_serving(data_dir) == []
    assert not emulator.is_running()
    assert port_is_free(emulator.port)
    assert not is_healthy(emulator.url)
    assert startup_seconds < 30


def test_start_error_reports_port_data_dir_and_log_when_the_process_dies(tmp_path: Path) -> None:
    data_dir = tmp_path / "bigquery"
    data_dir.write_text("a file where the data directory should be")
    port = free_port()

    with pytest.raises(EmulatorStartError) as raised:
        EmbeddedEmulator.start(data_dir, port, PROJECT, detached=False)

    message = str(raised.value)
    assert "exited with code" in message
    assert f"port {port}" in message
    assert str(data_dir) in message
    assert "is a file" in message  # from the end of the emulator's log
    assert port_is_free(port)


@needs_proc
def test_start_error_on_timeout_kills_the_process_it_started(tmp_path: Path) -> None:
    data_dir = tmp_path / "bigquery"

    with pytest.raises(EmulatorStartError, match=r"within 0\.2 s"):
        EmbeddedEmulator.start(data_dir, free_port(), PROJECT, detached=False, startup_timeout=0.2)

    assert emulator_pids_serving(data_dir) == []


def test_port_held_by_something_else_is_an_error_not_a_second_emulator(tmp_path: Path) -> None:
    data_dir = tmp_path / "bigquery"
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]

        with pytest.raises(EmulatorStartError, match="already in use"):
            EmbeddedEmulator.start(data_dir, port, PROJECT, detached=False)
        with pytest.raises(EmulatorStartError, match="does not answer /healthz"):
            ensure_running(data_dir, port, PROJECT, busy_port_grace=0.3)

    assert not pid_file_path(data_dir).exists()
