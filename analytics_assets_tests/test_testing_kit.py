"""The testing kit: a team's throwaway extractors through the real assets, IO manager and views,
and the location's own schedule and catch-up sensor at chosen instants."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg
import pandas as pd
import pytest

from analytics_assets.definitions import build_definitions
from analytics_assets.extract import IndividualRowsExtractor, http_api
from analytics_assets.settings import SettingsError, load_settings
from analytics_assets.testing import (
    RequestedRun,
    day_status,
    dry_run,
    evaluate_catch_up,
    evaluate_schedule,
    location_definitions,
    location_settings,
    materialize,
    run_catch_up,
    run_checks,
    table_rows,
    throwaway_warehouse,
)
from analytics_assets_tests.payments import PAYMENTS, Payment, PaymentExtractor, paris
from analytics_assets_tests.processes import run_python
from analytics_assets_tests.shop_rows import customer

UTC = dt.UTC


@pytest.fixture(autouse=True)
def no_payments():
    PAYMENTS.clear()
    yield
    PAYMENTS.clear()


def test_individual_rows_across_the_spring_forward_day_land_on_their_local_days(bigquery_warehouse):
    PAYMENTS.extend(
        [
            (paris("2024-03-30T23:59:59"), 100),  # the 30th, though 22:59:59 UTC
            (paris("2024-03-31T00:00:00"), 200),  # the 31st begins: 30 March 23:00 UTC
            (paris("2024-03-31T01:59:59"), 300),  # the last second before 02:00 CET -> 03:00 CEST
            (paris("2024-03-31T03:00:00"), 400),  # the next instant, one second later
            (paris("2024-03-31T23:59:59"), 500),  # the 23rd hour of a 23-hour day
            (paris("2024-04-01T00:00:00"), 600),  # the 1st of April: 31 March 22:00 UTC
        ]
    )
    run = materialize(PaymentExtractor, bigquery_warehouse, "2024-03-30", "2024-04-01")
    assert run.success and run.errors == []
    assert {event.partition for event in run.dagster_result.get_asset_materialization_events()} == {
        "2024-03-30",
        "2024-03-31",
        "2024-04-01",
    }  # three days, one run
    assert [(row["date"], row["timestamp"], row["cents"]) for row in run.rows("payment")] == [
        (dt.date(2024, 3, 30), dt.datetime(2024, 3, 30, 22, 59, 59, tzinfo=UTC), 100),
        (dt.date(2024, 3, 31), dt.datetime(2024, 3, 30, 23, 0, 0, tzinfo=UTC), 200),
        (dt.date(2024, 3, 31), dt.datetime(2024, 3, 31, 0, 59, 59, tzinfo=UTC), 300),
        (dt.date(2024, 3, 31), dt.datetime(2024, 3, 31, 1, 0, 0, tzinfo=UTC), 400),
        (dt.date(2024, 3, 31), dt.datetime(2024, 3, 31, 21, 59, 59, tzinfo=UTC), 500),
        (dt.date(2024, 4, 1), dt.datetime(2024, 3, 31, 22, 0, 0, tzinfo=UTC), 600),
    ]
    assert list(run.rows("payment")[0]) == ["date", "timestamp", "cents"]
    frame = run.frame("payment")
    cents_per_day: pd.Series = frame.groupby("date")["cents"].sum()  # type: ignore[assignment]
    assert cents_per_day.to_dict() == {
        dt.date(2024, 3, 30): 100,
        dt.date(2024, 3, 31): 1400,
        dt.date(2024, 4, 1): 600,
    }


def test_a_failed_run_reports_its_error_and_writes_nothing(bigquery_warehouse):
    PAYMENTS.append((paris("2024-03-31T12:00"), "100"))  # type: ignore[arg-type]  # not an int
    run = materialize(
        PaymentExtractor, bigquery_warehouse, "2024-03-31", checks=True, raise_on_error=False
    )
    assert not run.success
    assert (
        "RowValidationError: extractor 'payment', day 2024-03-31, row 1, field 'cents': "
        "expected int, got str '100'"
    ) in run.errors, run.errors
    assert run.checks == {}  # the checks of a table that was not written do not run
    client = bigquery_warehouse.get_client()
    assert bigquery_warehouse.dataset not in {d.dataset_id for d in client.list_datasets()}


def test_the_checks_run_when_asked_for_and_pass_on_a_good_day(bigquery_warehouse):
    PAYMENTS.append((paris("2024-03-31T12:00"), 100))
    run = materialize(PaymentExtractor, bigquery_warehouse, "2024-03-31", checks=True)
    assert run.checks == {
        "payment.schema_matches_declaration": True,
        "payment.rows_match_source": True,
    }


def test_a_source_without_its_variables_is_refused_naming_them(bigquery_warehouse, monkeypatch):
    class DeskExtractor(IndividualRowsExtractor[Payment]):
        source = http_api("desk_api")

        def extract(self, start, end):
            return []

    monkeypatch.delenv("ANALYTICS_DESK_API_URL", raising=False)
    monkeypatch.delenv("ANALYTICS_DESK_API_TOKEN", raising=False)
    with pytest.raises(SettingsError) as refused:
        materialize(DeskExtractor, bigquery_warehouse, "2024-03-31")
    assert str(refused.value) == (
        "reading the sources desk_api needs these environment variables, unset: "
        "ANALYTICS_DESK_API_URL (the root URL of the desk_api API); "
        "ANALYTICS_DESK_API_TOKEN (the credential of the desk_api API)"
    )


def test_the_real_catch_up_sensor_of_the_loaded_definitions_at_two_instants(dagster_instance):
    defs = build_definitions(load_settings({"ANALYTICS_FIRST_DATE": "2024-03-25"}))
    everything = tuple(sorted(key.to_user_string() for key in defs.resolve_all_asset_keys()))
    # 00:30 in Paris on 1 April: 29 to 31 March (its lookback window, 3 days by default)
    # belong to the daily schedule until 02:15.
    early = evaluate_catch_up(defs, paris("2024-04-01T00:30"), dagster_instance)
    assert early.runs == [RequestedRun("2024-03-25", "2024-03-28", everything, "missing")]
    # 03:00: the schedule's grace is over and the catch-up takes the newest days too.
    late = evaluate_catch_up(defs, paris("2024-04-01T03:00"), dagster_instance, early.cursor)
    assert late.runs == [RequestedRun("2024-03-25", "2024-03-31", everything, "missing")]
    assert "user_delta" in everything and "support_ticket" in everything
    (request,) = late.result.run_requests or []
    checks = defs.resolve_asset_graph().asset_check_keys
    data_checks = {key for key in checks if key.name != "latest_day_on_time"}
    assert set(request.asset_check_keys or []) == data_checks  # freshness is the sensor's
    assert len(checks - data_checks) == 4  # one per extractor


def test_the_catch_up_asks_only_for_the_days_the_instance_lacks(
    bigquery_warehouse, dagster_instance
):
    settings = location_settings("2024-03-25", catch_up_chunk_days=3)
    PAYMENTS.append((paris("2024-03-27T12:00"), 100))
    materialize(
        PaymentExtractor,
        bigquery_warehouse,
        "2024-03-26",
        "2024-03-28",
        settings=settings,
        instance=dagster_instance,
    )
    defs = location_definitions(PaymentExtractor, bigquery_warehouse, settings)
    tick = evaluate_catch_up(defs, paris("2024-04-02T12:00"), dagster_instance)
    assert tick.runs == [
        ("2024-03-25", "2024-03-25", ("payment",), "missing"),
        ("2024-03-29", "2024-03-31", ("payment",), "missing"),
        ("2024-04-01", "2024-04-01", ("payment",), "missing"),
    ]
    for run in tick.runs:
        materialize(
            PaymentExtractor,
            bigquery_warehouse,
            run.first,
            run.last,
            settings=settings,
            instance=dagster_instance,
        )
    done = evaluate_catch_up(defs, paris("2024-04-02T12:00"), dagster_instance, tick.cursor)
    assert done.runs == []
    assert done.skip_reason == "every day is materialized, in progress or waiting for a retry"


def test_the_daily_schedule_of_a_kit_location_asks_for_the_local_day_just_ended(
    bigquery_warehouse,
):
    settings = location_settings("2024-01-01", timezone="America/Los_Angeles", daily_hour=1)
    defs = location_definitions(PaymentExtractor, bigquery_warehouse, settings)
    tick = dt.datetime(2024, 11, 4, 1, 15, tzinfo=ZoneInfo("America/Los_Angeles"))
    (request,) = evaluate_schedule(defs, tick)  # the lookback window, across the fall-back day
    assert request.partition_key_range == dg.PartitionKeyRange("2024-11-01", "2024-11-03")
    with pytest.raises(ValueError, match="has no time zone"):
        evaluate_schedule(defs, tick.replace(tzinfo=None))


HIDDEN_EMULATOR = """
import sys
from pathlib import Path

class WithoutTheEmulator:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "bqemulator":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)

sys.meta_path.insert(0, WithoutTheEmulator())
from analytics_assets.testing import running_emulator

with running_emulator(Path(sys.argv[1] if len(sys.argv) > 1 else "/nonexistent")):
    pass
"""


def test_without_the_emulator_extra_starting_one_says_how_to_install_it():
    done = run_python(HIDDEN_EMULATOR)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "analytics_assets.testing.emulator.EmulatorNotInstalledError: the BigQuery emulator "
        "needs bqemulator, which this environment lacks: install the emulator extra "
        "(pip install 'analytics-assets[emulator]')"
    )


def test_every_public_name_of_the_kit_is_importable_from_the_package():
    import analytics_assets.testing as kit

    assert all(callable(getattr(kit, name)) for name in kit.__all__)


def test_a_django_extractor_reads_the_database_of_django_settings_module_without_being_told(
    bigquery_warehouse, db, monkeypatch
):
    from analytics_assets.demo import SETTINGS_MODULE
    from analytics_assets.demo.extractors.user import UserExtractor

    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)  # as pytest-django runs
    customer("ada", "2024-03-30T12:00:00+01:00", "2024-03-31T03:30:00+02:00")
    customer("bob", "2024-03-31T23:59:59+02:00")
    run = materialize(UserExtractor, bigquery_warehouse, "2024-03-31")
    assert run.rows("user") == [
        {"date": dt.date(2024, 3, 31), "users": 2, "prospects": 1, "clients": 1}
    ]
    # the run left the test's transaction (pytest-django's ``db``) open and usable
    customer("cyd", "2024-04-01T08:00:00+02:00")
    run = materialize(UserExtractor, bigquery_warehouse, "2024-04-01")
    assert run.rows("user")[-1]["users"] == 3


def test_the_checks_run_alone_over_every_day_the_instance_holds(
    bigquery_warehouse, dagster_instance
):
    settings = location_settings("2024-03-29")
    PAYMENTS.append((paris("2024-03-30T12:00"), 100))
    materialize(
        PaymentExtractor,
        bigquery_warehouse,
        "2024-03-29",
        "2024-03-31",
        settings=settings,
        instance=dagster_instance,
    )
    checked = run_checks(
        PaymentExtractor, bigquery_warehouse, settings=settings, instance=dagster_instance
    )
    assert checked.checks == {
        "payment.schema_matches_declaration": True,
        "payment.rows_match_source": True,
    }


def test_a_day_s_status_is_what_the_instance_records(bigquery_warehouse, dagster_instance):
    settings = location_settings("2024-03-29")
    definitions = location_definitions(PaymentExtractor, bigquery_warehouse, settings)
    materialize(
        PaymentExtractor, bigquery_warehouse, "2024-03-29", settings=settings,
        instance=dagster_instance,
    )  # fmt: skip
    PAYMENTS.append((paris("2024-03-30T12:00"), "not cents"))  # type: ignore[arg-type]
    materialize(
        PaymentExtractor, bigquery_warehouse, "2024-03-30", settings=settings,
        instance=dagster_instance, raise_on_error=False,
    )  # fmt: skip
    statuses = [
        day_status(dagster_instance, definitions, "payment", day)
        for day in ("2024-03-29", "2024-03-30", "2024-03-31")
    ]
    assert statuses == ["materialized", "failed", None]


def test_the_dry_run_gives_each_day_s_checked_rows_and_writes_nothing(bigquery_warehouse):
    PAYMENTS.extend([(paris("2024-03-31T03:00"), 400), (paris("2024-04-01T09:00"), "x")])  # type: ignore[list-item]
    days = dry_run(PaymentExtractor, "2024-03-31", "2024-04-01")
    assert [(d.day.isoformat(), d.outcome) for d in days] == [
        ("2024-03-31", "ok"),
        ("2024-04-01", "refused"),
    ]
    assert days[0].rows == [[dt.date(2024, 3, 31), paris("2024-03-31T03:00"), 400]]
    assert "field 'cents': expected int, got str 'x'" in (days[1].error or "")


def test_what_a_catch_up_tick_requested_runs_in_process(bigquery_warehouse, dagster_instance):
    settings = location_settings("2024-03-29")
    PAYMENTS.append((paris("2024-03-30T12:00"), 100))
    definitions = location_definitions(PaymentExtractor, bigquery_warehouse, settings)
    tick = evaluate_catch_up(definitions, paris("2024-04-01T09:00"), dagster_instance)
    (result,) = run_catch_up(definitions, tick, dagster_instance)
    assert result.success
    assert len(table_rows(bigquery_warehouse, "payment")) == 1
    assert evaluate_catch_up(definitions, paris("2024-04-01T09:05"), dagster_instance).runs == []
    evaluated = {e.check_name for e in result.get_asset_check_evaluations()}
    assert evaluated == {"schema_matches_declaration", "rows_match_source"}


def test_a_throwaway_warehouse_can_name_its_project(bigquery_emulator):
    warehouse = throwaway_warehouse(bigquery_emulator, project="team-project")
    assert (warehouse.project, warehouse.emulator_url) == ("team-project", bigquery_emulator)


def test_a_long_catch_up_run_carries_no_checks_and_its_history_is_checked_once_after(
    bigquery_warehouse, dagster_instance
):
    settings = location_settings("2024-02-20")
    PAYMENTS.append((paris("2024-03-01T12:00"), 100))
    definitions = location_definitions(PaymentExtractor, bigquery_warehouse, settings)
    at = paris("2024-04-01T09:00")
    first = evaluate_catch_up(definitions, at, dagster_instance)
    (run,) = first.result.run_requests or []
    assert first.runs == [RequestedRun("2024-02-20", "2024-03-31", ("payment",), "missing")]
    assert run.asset_check_keys == []  # 41 days: its checks run once, over the history
    run_catch_up(definitions, first, dagster_instance)

    second = evaluate_catch_up(definitions, at, dagster_instance, first.cursor)
    assert second.runs == [RequestedRun("2024-02-20", "2024-03-31", ("payment",), "checks")]
    (checked,) = run_catch_up(definitions, second, dagster_instance)
    summaries = {e.check_name: e.metadata["days_checked"].value for e in
                 checked.get_asset_check_evaluations() if e.partition is None}  # fmt: skip
    assert summaries == {"schema_matches_declaration": 41, "rows_match_source": 41}
    assert evaluate_catch_up(definitions, at, dagster_instance, second.cursor).runs == []
