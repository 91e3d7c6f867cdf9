"""The ``<table>_delta`` views give exact day-over-day differences, with documented edges."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from analytics_assets.extract import DateAggregatedExtractor, column
from analytics_assets.testing import (
    location_definitions,
    location_settings,
    materialize,
    table_rows,
)
from analytics_assets.warehouse.delta_view import delta_view_sql
from analytics_assets_tests.dates import day

PARIS = ZoneInfo("Europe/Paris")

#: (joined, became client) moments of users, as in smolqwery's example app: around midnights.
USERS: list[tuple[dt.datetime, dt.datetime | None]] = []
#: Per-day values of a gauge that may be unknown (NULL).
GAUGE: dict[dt.date, int | None] = {}


def paris(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=PARIS)


@dataclass
class Member:
    users: int = column(differentiate=True)
    prospects: int = column(differentiate=True)
    clients: int = column(differentiate=True)
    hours: float = column()


class MemberExtractor(DateAggregatedExtractor[Member]):
    source = "python"

    def extract(self, start, end):
        joined = [client_since for joined, client_since in USERS if joined < end]
        clients = sum(
            1 for client_since in joined if client_since is not None and client_since < end
        )
        yield Member(
            len(joined), len(joined) - clients, clients, (end - start).total_seconds() / 3600
        )


@dataclass
class Gauge:
    level: int | None = column(differentiate=True)
    stock: float = column(differentiate=True)


class GaugeExtractor(DateAggregatedExtractor[Gauge]):
    source = "python"

    def extract(self, start, end):
        local_day = start.astimezone(PARIS).date()
        yield Gauge(GAUGE[local_day], float(local_day.day))


@pytest.fixture(autouse=True)
def clean_sources():
    USERS.clear()
    GAUGE.clear()


def test_smolqwery_example_users_around_paris_midnights_give_exact_cumulative_and_delta_rows(
    warehouse,
):
    USERS.extend(
        [
            (paris("2022-03-25T23:59:59"), None),  # the 25th, not the 26th
            (paris("2022-03-26T00:00:00"), paris("2022-03-27T00:30")),  # 23:00 UTC on the 25th
            (paris("2022-03-26T23:30:00"), None),
            (paris("2022-03-27T00:30:00"), paris("2022-03-27T03:30")),  # CET, then CEST
            (paris("2022-03-27T03:30:00"), None),  # after the spring-forward gap
            (paris("2022-03-27T23:59:59"), paris("2022-03-28T00:00")),
            (paris("2022-03-28T00:00:00"), None),  # 22:00 UTC on the 27th
        ]
    )
    assert materialize(MemberExtractor, warehouse, "2022-03-25", "2022-03-28").success
    assert table_rows(warehouse, "member") == [
        {"date": day("2022-03-25"), "users": 1, "prospects": 1, "clients": 0, "hours": 24.0},
        {"date": day("2022-03-26"), "users": 3, "prospects": 3, "clients": 0, "hours": 24.0},
        {"date": day("2022-03-27"), "users": 6, "prospects": 4, "clients": 2, "hours": 23.0},
        {"date": day("2022-03-28"), "users": 7, "prospects": 4, "clients": 3, "hours": 24.0},
    ]
    assert table_rows(warehouse, "member_delta") == [
        {"date": day("2022-03-25"), "users": 1, "prospects": 1, "clients": 0},  # first day: raw
        {"date": day("2022-03-26"), "users": 2, "prospects": 2, "clients": 0},
        {"date": day("2022-03-27"), "users": 3, "prospects": 1, "clients": 2},
        {"date": day("2022-03-28"), "users": 1, "prospects": 0, "clients": 1},
    ]


def test_fall_back_day_is_25_hours_and_counts_its_extra_hour(warehouse):
    USERS.extend(
        [
            (dt.datetime(2022, 10, 30, 0, 30, tzinfo=dt.UTC), None),
            (dt.datetime(2022, 10, 30, 1, 30, tzinfo=dt.UTC), None),
        ]
    )
    # 02:30 CEST and 02:30 CET: the repeated hour of 2022-10-30 in Paris, both on the 30th.
    materialize(MemberExtractor, warehouse, "2022-10-29", "2022-10-31")
    assert [(r["date"], r["users"], r["hours"]) for r in table_rows(warehouse, "member")] == [
        (day("2022-10-29"), 0, 24.0),
        (day("2022-10-30"), 2, 25.0),
        (day("2022-10-31"), 2, 24.0),
    ]


def test_day_after_a_gap_shows_the_raw_value_and_nulls_stay_unknown(warehouse):
    GAUGE.update(
        {
            day("2022-04-01"): 10,
            day("2022-04-02"): 13,
            day("2022-04-03"): None,
            day("2022-04-04"): 20,
            day("2022-04-06"): 26,  # the 5th is missing: a gap
        }
    )
    materialize(GaugeExtractor, warehouse, "2022-04-01", "2022-04-04")
    materialize(GaugeExtractor, warehouse, "2022-04-06")
    assert table_rows(warehouse, "gauge_delta") == [
        {"date": day("2022-04-01"), "level": 10, "stock": 1.0},  # first day: raw value
        {"date": day("2022-04-02"), "level": 3, "stock": 1.0},
        {"date": day("2022-04-03"), "level": None, "stock": 1.0},  # today unknown -> NULL
        {"date": day("2022-04-04"), "level": None, "stock": 1.0},  # yesterday unknown -> NULL
        {"date": day("2022-04-06"), "level": 26, "stock": 6.0},  # after a gap: raw value
    ]


def test_view_columns_are_date_then_differentiated_fields_in_declaration_order():
    sql = delta_view_sql(MemberExtractor.table, "p.d.member")
    positions = [sql.index(f"AS `{name}`") for name in ("date", "users", "prospects", "clients")]
    assert positions == sorted(positions)
    assert "hours" not in sql
    assert sql == delta_view_sql(MemberExtractor.table, "p.d.member")  # deterministic


def test_each_day_records_its_own_differences_and_names_its_day(warehouse):
    USERS.extend(
        [(paris("2022-03-21T10:00"), None), (paris("2022-03-22T10:00"), paris("2022-03-22T11:00"))]
    )
    result = materialize(MemberExtractor, warehouse, "2022-03-21", "2022-03-22").dagster_result
    view_events = {
        e.materialization.partition: {k: v.value for k, v in e.materialization.metadata.items()}
        for e in result.get_asset_materialization_events()
        if e.asset_key is not None and e.asset_key.path == ["member_delta"]
    }
    assert view_events == {
        "2022-03-21": {"date": "2022-03-21", "users": 1, "prospects": 1, "clients": 0},
        "2022-03-22": {"date": "2022-03-22", "users": 1, "prospects": 0, "clients": 1},
    }


def test_the_view_sql_and_its_columns_are_definition_metadata(warehouse):
    definitions = location_definitions([GaugeExtractor], warehouse, location_settings("2024-01-01"))
    graph = definitions.resolve_asset_graph()
    metadata = graph.get(dg.AssetKey("gauge_delta")).metadata
    sql_text = metadata["view_sql"].value
    assert isinstance(sql_text, str) and "LEFT JOIN" in sql_text
    assert f"`{warehouse.table_id('gauge')}`" in sql_text
    assert metadata["dagster/table_name"] == warehouse.table_id("gauge_delta")
    columns = {c.name: c for c in metadata["dagster/column_schema"].columns}
    assert list(columns) == ["date", "level", "stock"]
    assert columns["date"].constraints.nullable is False
    assert columns["level"].constraints.nullable is True  # level may be NULL
    assert columns["stock"].constraints.nullable is False
    assert columns["stock"].description == (
        "stock of the day minus stock of the previous calendar day; the day's own stock when "
        "the previous day has no row; NULL when either value is NULL"
    )
