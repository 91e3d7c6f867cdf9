"""Freshness per day: an extractor is late when the latest day due has no materialization,
whatever older days were written, and on time once it has one; the sensor says so when it
changes, and the check executed in a run says the same."""

import datetime as dt
import json

import dagster as dg
import pytest

from analytics_assets.automation.clock import frozen_at
from analytics_assets.automation.freshness import (
    CHECK_NAME,
    build_freshness_checks,
    build_freshness_sensor,
    due_day,
)

PARIS = "Europe/Paris"
PARTITIONS = dg.DailyPartitionsDefinition(start_date="2024-01-01", timezone=PARIS)
FRESH_BY_HOUR = 6
SENSOR = "freshness"


@dg.asset(partitions_def=PARTITIONS)
def orders() -> None:
    pass


@dg.asset(partitions_def=PARTITIONS)
def users() -> None:
    pass


KEYS = [orders.key, users.key]
DEFS = dg.Definitions(
    assets=[orders, users],
    asset_checks=[build_freshness_checks(KEYS, PARTITIONS, FRESH_BY_HOUR, "fresh")],
    sensors=[build_freshness_sensor(KEYS, PARTITIONS, FRESH_BY_HOUR, running=True, name=SENSOR)],
)


@pytest.mark.parametrize(
    ("now", "due", "deadline"),
    [
        # before 06:00 the day before yesterday is the latest one due
        ("2024-03-13T05:59:59+01:00", "2024-03-11", "2024-03-12T06:00:00+01:00"),
        ("2024-03-13T06:00:00+01:00", "2024-03-12", "2024-03-13T06:00:00+01:00"),
        # 31 March 2024 has 23 hours in Paris: 06:00 is four hours after 00:00 UTC
        ("2024-03-31T05:59:00+02:00", "2024-03-29", "2024-03-30T06:00:00+01:00"),
        ("2024-03-31T04:00:00+00:00", "2024-03-30", "2024-03-31T06:00:00+02:00"),
        # 27 October 2024 has 25 hours
        ("2024-10-27T05:00:00+00:00", "2024-10-26", "2024-10-27T06:00:00+01:00"),
        ("2024-10-27T04:59:59+00:00", "2024-10-25", "2024-10-26T06:00:00+02:00"),
    ],
)
def test_the_day_due_is_the_day_before_the_last_deadline_passed_in_local_time(now, due, deadline):
    day, when = due_day(dt.datetime.fromisoformat(now), PARIS, FRESH_BY_HOUR)
    assert day == dt.date.fromisoformat(due)
    assert when == dt.datetime.fromisoformat(deadline)
    assert when.utcoffset() == dt.datetime.fromisoformat(deadline).utcoffset()


def _tick(instance, at: str, cursor: str | None = None) -> tuple[dict[str, tuple], str | None]:
    """The sensor's reports at ``at`` by asset: (passed, description, metadata)."""
    context = dg.build_sensor_context(
        instance=instance, definitions=DEFS, sensor_name=SENSOR, cursor=cursor
    )
    with frozen_at(dt.datetime.fromisoformat(at)):
        result = DEFS.resolve_sensor_def(SENSOR)(context)
    assert isinstance(result, dg.SensorResult)
    assert not result.run_requests  # it reports, it never launches a run
    reports = {}
    for event in result.asset_events:
        assert isinstance(event, dg.AssetCheckEvaluation)
        assert event.check_name == CHECK_NAME
        assert event.severity == dg.AssetCheckSeverity.WARN
        reports[event.asset_key.to_user_string()] = (
            event.passed,
            event.description,
            {k: v.value for k, v in event.metadata.items()},
        )
    return reports, result.cursor


def _materialize(instance, *days: str, assets=(orders, users)) -> None:
    for day in days:
        assert dg.materialize(list(assets), partition_key=day, instance=instance).success


def test_rewritten_old_days_leave_an_extractor_late_until_yesterday_is_there():
    instance = dg.DagsterInstance.ephemeral()
    _materialize(instance, "2024-03-10", "2024-03-11")  # up to date on the morning of the 12th
    _materialize(instance, "2024-01-05", "2024-01-06")  # a catch-up rewriting old days after
    reports, cursor = _tick(instance, "2024-03-13T07:00:00+01:00")
    passed, description, metadata = reports["orders"]
    assert not passed
    assert description.startswith(
        f"late: 2024-03-12 (due by 2024-03-13 06:00 {PARIS}) is not materialized"
    )
    assert "(the newest write, 2024-01-06 at " in description
    assert metadata["due_day"] == "2024-03-12"
    assert metadata["newest_write"].startswith("2024-01-06 at ")
    assert set(reports) == {"orders", "users"}

    again, cursor = _tick(instance, "2024-03-13T07:05:00+01:00", cursor)
    assert again == {}  # nothing changed, nothing reported

    _materialize(instance, "2024-03-12", assets=[orders])
    reports, cursor = _tick(instance, "2024-03-13T07:10:00+01:00", cursor)
    assert set(reports) == {"orders"}  # users is still late: already said
    passed, description, metadata = reports["orders"]
    assert passed
    assert description == f"on time: 2024-03-12 (due by 2024-03-13 06:00 {PARIS}) is materialized"
    assert "materialized_at" in metadata
    assert json.loads(cursor or "{}") == {
        "orders": "2024-03-12:on_time",
        "users": "2024-03-12:late",
    }


def test_a_new_day_due_is_reported_again_at_its_deadline():
    instance = dg.DagsterInstance.ephemeral()
    _materialize(instance, "2024-03-12")
    reports, cursor = _tick(instance, "2024-03-13T06:00:00+01:00")
    assert reports["orders"][0] is True
    reports, cursor = _tick(instance, "2024-03-14T05:59:00+01:00", cursor)
    assert reports == {}
    reports, cursor = _tick(instance, "2024-03-14T06:00:00+01:00", cursor)
    assert reports["orders"][0] is False
    assert reports["orders"][2]["due_day"] == "2024-03-13"


def test_before_the_first_day_is_due_nothing_is_late():
    instance = dg.DagsterInstance.ephemeral()
    reports, _ = _tick(instance, "2024-01-02T05:00:00+01:00")
    passed, description, _ = reports["orders"]
    assert passed
    assert description == "no day is due yet: the first day is 2024-01-01"


def test_the_check_executed_in_a_run_gives_the_sensors_verdict():
    instance = dg.DagsterInstance.ephemeral()
    _materialize(instance, "2024-03-12", assets=[users])
    with frozen_at(dt.datetime.fromisoformat("2024-03-13T08:00:00+01:00")):
        result = dg.materialize(
            [orders, users, *(DEFS.asset_checks or [])],
            instance=instance,
            selection=dg.AssetSelection.checks_for_assets(orders, users),
        )
    verdicts = {
        e.asset_key.to_user_string(): e.passed for e in result.get_asset_check_evaluations()
    }
    assert verdicts == {"orders": False, "users": True}
