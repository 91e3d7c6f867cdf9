"""Testing a team's extractors with analytics_assets.testing (docs: "Testing your extractors")."""

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from analytics_assets.extract import DateAggregatedExtractor, IndividualRowsExtractor, column
from analytics_assets.testing import (
    evaluate_catch_up,
    location_definitions,
    location_settings,
    materialize,
)

PARIS = ZoneInfo("Europe/Paris")
#: What the extractors read: (signed up at, plan). Yours read the Django ORM or an API;
#: these read a list, so that this file runs as it is.
SIGNUPS: list[tuple[dt.datetime, Any]] = []


# In your project the extractors live in your extractor package; the test imports them.
@dataclass
class Members:
    members: int = column(differentiate=True, description="accounts created before the day ended")


class MembersExtractor(DateAggregatedExtractor[Members]):
    """Members at the end of each local day."""

    source = "python"

    def extract(self, start, end):
        yield Members(members=sum(1 for at, _ in SIGNUPS if at < end))


@dataclass
class Signup:
    timestamp: dt.datetime
    plan: str


class SignupExtractor(IndividualRowsExtractor[Signup]):
    """Every signup."""

    source = "python"

    def extract(self, start, end):
        return [Signup(at, plan) for at, plan in SIGNUPS if start <= at < end]


def paris(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=PARIS)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def test_signups_land_on_their_local_day_across_the_spring_forward_day(bigquery_warehouse):
    SIGNUPS[:] = [
        (paris("2024-03-30T23:59:59"), "free"),  # 22:59:59 UTC: still the 30th
        (paris("2024-03-31T00:00:00"), "pro"),  # 30 March 23:00 UTC: the 31st
        (paris("2024-03-31T03:00:00"), "free"),  # clocks jumped from 02:00 to 03:00
        (paris("2024-04-01T00:00:00"), "pro"),  # 31 March 22:00 UTC: the 1st of April
    ]
    # Three days in ONE run, through the real assets, IO manager and delta view.
    run = materialize(
        [MembersExtractor, SignupExtractor], bigquery_warehouse, "2024-03-30", "2024-04-01"
    )

    assert run.rows("members") == [
        {"date": dt.date(2024, 3, 30), "members": 1},
        {"date": dt.date(2024, 3, 31), "members": 3},
        {"date": dt.date(2024, 4, 1), "members": 4},
    ]
    assert run.rows("members_delta") == [
        {"date": dt.date(2024, 3, 30), "members": 1},  # the first day: the raw value
        {"date": dt.date(2024, 3, 31), "members": 2},
        {"date": dt.date(2024, 4, 1), "members": 1},
    ]
    assert run.rows("signup") == [
        {"date": dt.date(2024, 3, 30), "timestamp": utc("2024-03-30T22:59:59"), "plan": "free"},
        {"date": dt.date(2024, 3, 31), "timestamp": utc("2024-03-30T23:00:00"), "plan": "pro"},
        {"date": dt.date(2024, 3, 31), "timestamp": utc("2024-03-31T01:00:00"), "plan": "free"},
        {"date": dt.date(2024, 4, 1), "timestamp": utc("2024-03-31T22:00:00"), "plan": "pro"},
    ]
    assert run.frame("signup").groupby("plan").size().to_dict() == {"free": 2, "pro": 2}


def test_a_bad_row_fails_the_run_and_writes_nothing(bigquery_warehouse, bigquery_client):
    SIGNUPS[:] = [(paris("2024-03-31T12:00"), None)]  # plan is REQUIRED
    run = materialize(SignupExtractor, bigquery_warehouse, "2024-03-31", raise_on_error=False)

    assert not run.success
    assert run.errors == [
        "RowValidationError: extractor 'signup', day 2024-03-31, row 1, field 'plan': "
        "None in a REQUIRED field (annotate it `X | None` to allow NULL)"
    ]
    # Rows are checked before anything is sent: not even the dataset was created.
    assert bigquery_warehouse.dataset not in [d.dataset_id for d in bigquery_client.list_datasets()]


def test_the_catch_up_sensor_builds_only_the_missing_days(bigquery_warehouse, dagster_instance):
    SIGNUPS[:] = []
    settings = location_settings("2024-03-25")  # ANALYTICS_FIRST_DATE, Europe/Paris
    materialize(
        MembersExtractor,
        bigquery_warehouse,
        "2024-03-25",
        "2024-03-28",
        settings=settings,
        instance=dagster_instance,
    )
    definitions = location_definitions(MembersExtractor, bigquery_warehouse, settings)

    tick = evaluate_catch_up(definitions, paris("2024-04-01T09:00"), dagster_instance)

    assert tick.runs == [
        ("2024-03-29", "2024-03-31", ("members", "members_delta"), "missing"),
    ]
