"""Per-day checks as Dagster records them: one history row per day of a run, none "Skipped",
and each day's status current (the private name fenced in assembly/dagster_private.py).

Dagster may move or change the private name in any release: these tests fail loudly, naming
what changed, before the UI silently shows the last day's status for the whole check.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from dataclasses import dataclass

import dagster as dg
import pytest
from dagster._core.loader import LoadingContextForTest

from analytics_assets.extract import DateAggregatedExtractor, column
from analytics_assets_tests.table_runs import run_assets_and_checks

DAYS = dg.DailyPartitionsDefinition(
    start_date="2024-01-01", end_date="2024-01-11", timezone="Europe/Paris"
)
COUNTS: dict[str, int] = {}


@dataclass
class Stock:
    items: int = column(differentiate=True)


class StockExtractor(DateAggregatedExtractor[Stock]):
    source = "python"

    def extract(self, start: dt.datetime, end: dt.datetime):
        yield Stock(COUNTS[start.date().isoformat()])


@pytest.fixture(autouse=True)
def counts():
    COUNTS.clear()
    COUNTS.update({f"2024-01-{d:02}": 10 * d for d in range(1, 11)})


@pytest.fixture
def instance(dagster_instance: dg.DagsterInstance) -> dg.DagsterInstance:
    return dagster_instance


def _run(warehouse, instance, first=None, last=None, selection=None):
    return run_assets_and_checks(
        [StockExtractor], warehouse, DAYS, instance, first, last, selection=selection
    )


def _history(instance, name: str) -> list[tuple[str, str | None, str]]:
    """The check's execution history as the UI lists it: (run, partition, status)."""
    key = dg.AssetCheckKey(dg.AssetKey("stock"), name)
    records = instance.event_log_storage.get_asset_check_execution_history(key, limit=1000)
    context = LoadingContextForTest(instance)

    async def statuses():
        return [(r.run_id, r.partition, (await r.resolve_status(context)).value) for r in records]

    return asyncio.run(statuses())


def test_the_dagster_version_is_the_one_this_name_was_checked_against():
    assert dg.__version__ == "1.13.27", (
        "Dagster was upgraded: check analytics_assets/assembly/dagster_private.py "
        "(AssetCheckEvaluationTargetMaterializationData), then update this pin"
    )


def test_a_ranged_run_records_one_evaluation_per_day_and_no_skipped_row(warehouse, instance):
    COUNTS["2024-01-04"] = 5  # a drop: monotonic_fields fails on that day only
    result = _run(warehouse, instance, "2024-01-01", "2024-01-10")
    for name in ("one_row_per_day", "monotonic_fields"):
        history = _history(instance, name)
        assert Counter(run for run, _, _ in history) == {result.run_id: 10}
        assert sorted(partition or "" for _, partition, _ in history) == sorted(COUNTS)
    statuses = Counter(status for _, _, status in _history(instance, "monotonic_fields"))
    assert statuses == {"SUCCEEDED": 9, "FAILED": 1}

    key = dg.AssetCheckKey(dg.AssetKey("stock"), "monotonic_fields")
    infos = instance.event_log_storage.get_asset_check_partition_info([key])
    # each day's evaluation targets that day's materialization: its status is current
    assert {info.partition_key for info in infos if info.is_current} == set(COUNTS)
    failed = [i.partition_key for i in infos if i.latest_execution_status.value == "FAILED"]
    assert failed == ["2024-01-04"]


def test_a_checks_alone_run_records_its_summary_and_each_failing_day(
    warehouse, instance, bq_client
):
    _run(warehouse, instance, "2024-01-01", "2024-01-10")
    bq_client.query(
        f"DELETE FROM `{warehouse.table_id('stock')}` WHERE date = DATE '2024-01-07'"
    ).result()
    alone = _run(warehouse, instance, selection=dg.AssetSelection.all_asset_checks())
    rows = [(p, s) for run, p, s in _history(instance, "one_row_per_day") if run == alone.run_id]
    assert sorted(rows, key=str) == [("2024-01-07", "FAILED"), (None, "FAILED")]
    key = dg.AssetCheckKey(dg.AssetKey("stock"), "one_row_per_day")
    (info,) = [
        i
        for i in instance.event_log_storage.get_asset_check_partition_info([key])
        if i.partition_key == "2024-01-07"
    ]
    assert info.is_current and info.latest_execution_status.value == "FAILED"
