"""The demo extractors, run through Dagster on Django (SQLite), write exactly the expected rows.

The data is placed by hand around the spring-forward day 2024-03-31 in Europe/Paris (23 h)
with instants whose UTC day differs from their local day, so a window computed in UTC or
with a 24 h day would give other numbers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from analytics_assets.assembly.discovery import find_extractors
from analytics_assets.demo import SETTINGS_MODULE
from analytics_assets.extract import DJANGO, DateAggregatedExtractor, day_window
from analytics_assets.sources.django_orm import DjangoORM
from analytics_assets.testing import materialize, table_rows
from analytics_assets_tests.dates import day
from analytics_assets_tests.shop_rows import contracts, customer, emails

PARIS = ZoneInfo("Europe/Paris")
UTC = dt.UTC
DJANGO_EXTRACTORS = [
    extractor
    for extractor in find_extractors(["analytics_assets.demo.extractors"])
    if extractor.declared_source() == DJANGO
]


@pytest.fixture
def shop(db):
    _place_shop()


@pytest.fixture
def committed_shop(transactional_db):
    """The shop committed for real: runs close their database connections when they end."""
    _place_shop()


def _place_shop() -> None:
    """Three customers, three contracts and three emails around the 2024-03-31 DST change."""
    ada = customer("ada", "2024-03-29T12:00:00+01:00", "2024-03-31T03:30:00+02:00")
    customer("bob", "2024-03-31T01:30:00+01:00")  # just before clocks jump from 2:00 to 3:00
    cyd = customer("cyd", "2024-04-01T00:30:00+02:00")  # local 1 April, still 31 March in UTC
    contracts(
        ada,
        [
            ("2024-03-31T10:00:00+02:00", "100.00"),
            ("2024-03-31T23:59:00+02:00", "50.50"),
            ("2024-04-01T00:10:00+02:00", "10.00"),  # 31 March 22:10 UTC
        ],
    )
    emails(
        cyd,
        [
            ("2024-03-31T01:59:59+01:00", "welcome", True),
            ("2024-03-31T03:00:00+02:00", "invoice", False),
            ("2024-04-01T00:00:00+02:00", "newsletter", True),  # exactly the next local midnight
        ],
    )


def _materialize_demo(warehouse, first: str, last: str | None = None):
    return materialize(
        DJANGO_EXTRACTORS,
        warehouse,
        first,
        last,
        sources={"django": DjangoORM(settings_module=SETTINGS_MODULE)},
    )


@pytest.mark.usefixtures("shop")
def test_user_counts_and_deltas_follow_local_days_across_the_dst_change(warehouse):
    _materialize_demo(warehouse, "2024-03-30", "2024-04-01")
    assert table_rows(warehouse, "user") == [
        {"date": day("2024-03-30"), "users": 1, "prospects": 1, "clients": 0},
        {"date": day("2024-03-31"), "users": 2, "prospects": 1, "clients": 1},
        {"date": day("2024-04-01"), "users": 3, "prospects": 2, "clients": 1},
    ]
    assert table_rows(warehouse, "user_delta") == [
        {"date": day("2024-03-30"), "users": 1, "prospects": 1, "clients": 0},
        {"date": day("2024-03-31"), "users": 1, "prospects": 0, "clients": 1},
        {"date": day("2024-04-01"), "users": 1, "prospects": 1, "clients": 0},
    ]


@pytest.mark.usefixtures("shop")
def test_contract_average_is_null_on_a_day_without_contracts_and_exact_otherwise(warehouse):
    _materialize_demo(warehouse, "2024-03-30", "2024-04-01")
    assert table_rows(warehouse, "contract") == [
        {"date": day("2024-03-30"), "contracts": 0, "average_value": None},
        {"date": day("2024-03-31"), "contracts": 2, "average_value": Decimal("75.25")},
        {"date": day("2024-04-01"), "contracts": 3, "average_value": Decimal("10.00")},
    ]
    assert table_rows(warehouse, "contract_delta") == [
        {"date": day("2024-03-30"), "contracts": 0},
        {"date": day("2024-03-31"), "contracts": 2},
        {"date": day("2024-04-01"), "contracts": 1},
    ]


@pytest.mark.usefixtures("shop")
def test_emails_land_on_their_local_day_without_personal_data(warehouse, bq_client):
    _materialize_demo(warehouse, "2024-03-31", "2024-04-01")
    columns = [f.name for f in bq_client.get_table(warehouse.table_id("email")).schema]
    assert columns == ["date", "timestamp", "kind", "opened", "bounced"]
    assert table_rows(warehouse, "email") == [
        {
            "date": day("2024-03-31"),
            "timestamp": dt.datetime(2024, 3, 31, 0, 59, 59, tzinfo=UTC),
            "kind": "welcome",
            "opened": True,
            "bounced": False,
        },
        {
            "date": day("2024-03-31"),
            "timestamp": dt.datetime(2024, 3, 31, 1, 0, tzinfo=UTC),
            "kind": "invoice",
            "opened": False,
            "bounced": False,
        },
        {
            "date": day("2024-04-01"),
            "timestamp": dt.datetime(2024, 3, 31, 22, 0, tzinfo=UTC),
            "kind": "newsletter",
            "opened": True,
            "bounced": False,
        },
    ]


@pytest.mark.usefixtures("committed_shop")
def test_rematerializing_a_day_after_the_source_changed_replaces_only_that_day(warehouse):
    _materialize_demo(warehouse, "2024-03-30", "2024-04-01")
    customer("dan", "2024-03-31T20:00:00+02:00")
    _materialize_demo(warehouse, "2024-03-31")
    users = {row["date"]: row["users"] for row in table_rows(warehouse, "user")}
    assert users == {day("2024-03-30"): 1, day("2024-03-31"): 3, day("2024-04-01"): 3}
    deltas = {row["date"]: row["users"] for row in table_rows(warehouse, "user_delta")}
    assert deltas == {day("2024-03-30"): 1, day("2024-03-31"): 2, day("2024-04-01"): 0}


RANGE_EXTRACTORS = [
    extractor
    for extractor in DJANGO_EXTRACTORS
    if isinstance(extractor, type)
    and issubclass(extractor, DateAggregatedExtractor)
    and extractor.extracts_ranges()
]


@pytest.mark.usefixtures("shop")
@pytest.mark.parametrize("extractor_cls", RANGE_EXTRACTORS, ids=lambda cls: cls.table.name)
@pytest.mark.parametrize(
    "days",
    [
        ["2024-03-28", "2024-03-29", "2024-03-30", "2024-03-31", "2024-04-01", "2024-04-02"],
        ["2024-03-27", "2024-03-31", "2024-04-02"],  # not contiguous, as a gap-filling chunk
    ],
    ids=["contiguous", "with-gaps"],
)
def test_a_range_query_gives_each_day_the_row_of_its_own_query(extractor_cls, days):
    extractor = extractor_cls()
    windows = [day_window(day(text), PARIS) for text in days]
    assert list(extractor.extract_days(windows)) == [
        row for window in windows for row in extractor.extract(*window)
    ]
