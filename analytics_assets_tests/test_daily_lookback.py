"""The daily run re-extracts the last ANALYTICS_LOOKBACK_DAYS complete days in one run: a row that
arrives late for one of them lands in BigQuery, and a day whose rows did not change is not
rewritten (no DML statement is sent for it) and says so in its metadata (``restated``).

The runs are the location's own: its daily schedule evaluated at a tick, its daily job run
with what the schedule requested, on the emulator through the real client; the SQL the
project sends is counted by the suite's recorder (``sql_sent``)."""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg
import pytest

from analytics_assets import ExtractorsComponent
from analytics_assets.assembly.location_names import LocationNames
from analytics_assets.environment_variables import SettingsError
from analytics_assets.settings import load_settings
from analytics_assets.testing import (
    evaluate_catch_up,
    evaluate_schedule,
    location_definitions,
    location_settings,
    table_rows,
)
from analytics_assets_tests.payments import PAYMENTS, PaymentExtractor, paris
from analytics_assets_tests.sql_rules import WRITES, parse_script


@pytest.fixture(autouse=True)
def no_payments():
    PAYMENTS.clear()
    yield
    PAYMENTS.clear()


@dataclass
class DailyRun:
    """One daily run: the days the schedule asked for, what became of each, the DML sent."""

    window: tuple[str, str]
    restated: dict[str, str]
    dml: list[str]
    #: What the run logged.
    log: list[str]


def _defs(warehouse, first_date: str = "2024-06-01", **settings) -> dg.Definitions:
    return location_definitions(
        PaymentExtractor, warehouse, location_settings(first_date, **settings)
    )


def _dml(statements: list[str]) -> list[str]:
    return [sql for sql in statements if any(isinstance(s, WRITES) for s in parse_script(sql))]


def daily_run(defs: dg.Definitions, tick: str, instance, sql_sent) -> DailyRun:
    """The daily schedule's tick at ``tick`` (Paris), then its run, as the daemon launches it."""
    (request,) = evaluate_schedule(defs, paris(tick), instance)
    sent = len(sql_sent.statements)
    job = defs.resolve_job_def(LocationNames().daily_job)
    result = job.execute_in_process(
        instance=instance, partition_key=request.partition_key, tags=request.tags
    )
    assert result.success
    restated = {
        str(event.partition): event.materialization.metadata["restated"].value
        for event in result.get_asset_materialization_events()
        if event.asset_key == dg.AssetKey("payment")
    }
    key_range = request.partition_key_range
    window = (key_range.start, key_range.end) if key_range else (request.partition_key,) * 2
    log = [entry.user_message for entry in instance.all_logs(result.run_id)]
    return DailyRun(window, restated, _dml(sql_sent.statements[sent:]), log)  # type: ignore[arg-type]


def _cents_by_day(warehouse) -> dict[str, list[int]]:
    by_day: dict[str, list[int]] = {}
    for row in table_rows(warehouse, "payment"):
        by_day.setdefault(row["date"].isoformat(), []).append(row["cents"])
    return by_day


def test_a_row_back_dated_two_days_lands_with_the_next_daily_run_and_only_changed_days_are_written(
    warehouse, dagster_instance, sql_sent
):
    defs = _defs(warehouse)  # ANALYTICS_LOOKBACK_DAYS: 3 by default
    PAYMENTS.extend([(paris("2024-06-08T10:00"), 1), (paris("2024-06-09T10:00"), 2)])
    PAYMENTS.append((paris("2024-06-10T10:00"), 3))
    first = daily_run(defs, "2024-06-11T00:15", dagster_instance, sql_sent)
    assert first.window == ("2024-06-08", "2024-06-10")
    assert first.restated == {"2024-06-08": "new", "2024-06-09": "new", "2024-06-10": "new"}
    assert len(first.dml) == 1

    PAYMENTS.append((paris("2024-06-09T23:59:59"), 20))  # back-dated by a support agent
    PAYMENTS.append((paris("2024-06-11T09:00"), 4))
    second = daily_run(defs, "2024-06-12T00:15", dagster_instance, sql_sent)
    assert second.window == ("2024-06-09", "2024-06-11")
    assert second.restated == {
        "2024-06-09": "changed",
        "2024-06-10": "unchanged",
        "2024-06-11": "new",
    }
    (merge,) = second.dml  # one statement, for the two days that moved
    assert "DATE '2024-06-09'" in merge and "DATE '2024-06-11'" in merge
    assert "2024-06-10" not in merge
    assert _cents_by_day(warehouse) == {
        "2024-06-08": [1],
        "2024-06-09": [2, 20],
        "2024-06-10": [3],
        "2024-06-11": [4],
    }


def test_a_daily_run_whose_days_did_not_change_sends_no_dml_and_is_idempotent(
    warehouse, dagster_instance, sql_sent
):
    defs = _defs(warehouse)
    PAYMENTS.extend([(paris("2024-06-09T10:00"), 5), (paris("2024-06-10T10:00"), 6)])
    daily_run(defs, "2024-06-12T00:15", dagster_instance, sql_sent)  # 06-11: no row
    before = table_rows(warehouse, "payment")
    again = daily_run(defs, "2024-06-12T00:15", dagster_instance, sql_sent)
    assert again.restated == dict.fromkeys(("2024-06-09", "2024-06-10", "2024-06-11"), "unchanged")
    assert again.dml == []
    assert "2024-06-10: unchanged, not rewritten (BigQuery holds its rows)" in again.log
    assert any("3 day(s): 0 new, 0 changed, 3 unchanged; replaced 0 day(s)" in m for m in again.log)
    assert table_rows(warehouse, "payment") == before


def test_a_value_changed_in_place_is_seen_though_the_day_keeps_its_row_count(
    warehouse, dagster_instance, sql_sent
):
    """Equal counts: the fingerprints decide. A sum of fingerprints, not a XOR: two equal rows
    replaced by two other equal rows would XOR to the same 0."""
    defs = _defs(warehouse)
    PAYMENTS.extend([(paris("2024-06-10T10:00"), 7)] * 2 + [(paris("2024-06-11T10:00"), 8)])
    daily_run(defs, "2024-06-12T00:15", dagster_instance, sql_sent)
    PAYMENTS[:2] = [(paris("2024-06-10T10:00"), 70)] * 2  # a refund corrected, both copies
    run = daily_run(defs, "2024-06-12T00:15", dagster_instance, sql_sent)
    assert run.restated == {
        "2024-06-09": "unchanged",
        "2024-06-10": "changed",
        "2024-06-11": "unchanged",
    }
    assert len(run.dml) == 1
    assert _cents_by_day(warehouse) == {"2024-06-10": [70, 70], "2024-06-11": [8]}


def test_the_lookback_over_the_spring_forward_day_keeps_every_row_on_its_local_day(
    warehouse, dagster_instance, sql_sent
):
    defs = _defs(warehouse, "2024-03-01")
    PAYMENTS.extend(
        [
            (paris("2024-03-30T23:59:59"), 1),
            (paris("2024-03-31T01:59:59"), 2),  # the last second before 02:00 CET -> 03:00 CEST
            (paris("2024-04-01T00:00:00"), 3),
        ]
    )
    daily_run(defs, "2024-04-01T00:15", dagster_instance, sql_sent)
    PAYMENTS.append((paris("2024-03-31T23:59:59"), 4))  # the 23rd hour of the 23-hour day
    run = daily_run(defs, "2024-04-02T00:15", dagster_instance, sql_sent)
    assert run.window == ("2024-03-30", "2024-04-01")
    assert run.restated == {
        "2024-03-30": "unchanged",
        "2024-03-31": "changed",
        "2024-04-01": "new",
    }
    assert _cents_by_day(warehouse) == {
        "2024-03-30": [1],
        "2024-03-31": [2, 4],
        "2024-04-01": [3],
    }


@pytest.mark.parametrize(
    ("tick", "window"),
    [
        ("2024-06-11T00:15", ("2024-06-10", "2024-06-10")),  # the first day alone
        ("2024-06-12T00:15", ("2024-06-10", "2024-06-11")),
        ("2024-06-13T00:15", ("2024-06-11", "2024-06-12")),  # no longer clamped
    ],
)
def test_the_window_starts_no_earlier_than_the_first_day(warehouse, tick, window):
    defs = _defs(warehouse, "2024-06-10", lookback_days=2)
    (request,) = evaluate_schedule(defs, paris(tick))
    key_range = request.partition_key_range
    if window[0] == window[1]:  # one day: an ordinary one-partition run
        assert (request.partition_key, key_range) == (window[0], None)
    else:
        assert key_range is not None and (key_range.start, key_range.end) == window


def test_a_first_day_run_through_the_daily_job_writes_it(warehouse, dagster_instance, sql_sent):
    defs = _defs(warehouse, "2024-06-10")
    PAYMENTS.append((paris("2024-06-10T12:00"), 9))
    run = daily_run(defs, "2024-06-11T00:15", dagster_instance, sql_sent)
    assert (run.window, run.restated) == (("2024-06-10", "2024-06-10"), {"2024-06-10": "new"})


def test_the_catch_up_leaves_the_lookback_window_to_the_schedule_during_its_grace(
    warehouse, dagster_instance
):
    defs = _defs(warehouse, "2024-06-01", lookback_days=3)
    during = evaluate_catch_up(defs, paris("2024-06-12T01:00"), dagster_instance)
    assert [(r.first, r.last) for r in during.runs] == [("2024-06-01", "2024-06-08")]
    after = evaluate_catch_up(defs, paris("2024-06-12T02:16"), dagster_instance)
    assert [(r.first, r.last) for r in after.runs] == [("2024-06-01", "2024-06-11")]


def test_the_lookback_is_read_from_its_variable_and_the_component_s_schedule_attributes(tmp_path):
    assert load_settings({}).lookback_days == 3
    assert load_settings({"ANALYTICS_LOOKBACK_DAYS": "1"}).lookback_days == 1
    for bad in ("0", "32"):
        with pytest.raises(SettingsError, match=r"ANALYTICS_LOOKBACK_DAYS=\d+ is out of range"):
            load_settings({"ANALYTICS_LOOKBACK_DAYS": bad})
    component = ExtractorsComponent.model_validate(
        {"first_date": "2024-06-01", "timezone": "Europe/Paris", "schedule": {"lookback_days": 7}}
    )
    assert component.settings(tmp_path).lookback_days == 7
    with pytest.raises(ValueError, match="lookback_days"):
        ExtractorsComponent.model_validate({"schedule": {"lookback_days": 0}})
