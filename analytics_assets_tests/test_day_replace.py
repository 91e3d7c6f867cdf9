"""Writing days to the emulated BigQuery is typed, atomic and idempotent, for a day or a range."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import dagster as dg
import pandas as pd
import pytest

from analytics_assets.assembly.partitions import daily_partitions
from analytics_assets.extract import DateAggregatedExtractor, IndividualRowsExtractor, column
from analytics_assets.testing import (
    location_definitions,
    location_settings,
    materialize,
    table_rows,
    throwaway_warehouse,
)
from analytics_assets.warehouse.tables import SchemaMismatchError, standard_type_name
from analytics_assets_tests.dates import day

PARIS = ZoneInfo("Europe/Paris")

#: The "source" of the test extractors below: tests fill it with concrete data.
SOURCE: dict[str, object] = {}


@dataclass
class Visits:
    visits: int = column(differentiate=True)
    average_basket: Decimal | None = column()
    hours: float = column()


class VisitsExtractor(DateAggregatedExtractor[Visits]):
    """Cumulative visits at the end of each day."""

    source = "python"

    def extract(self, start, end):
        moments = SOURCE["visits"]
        assert isinstance(moments, list)
        total = sum(1 for moment in moments if moment < end)
        yield Visits(total, SOURCE.get("basket"), (end - start).total_seconds() / 3600)  # type: ignore[arg-type]


@dataclass
class Click:
    timestamp: dt.datetime
    button: str
    weight: float | None


class ClickExtractor(IndividualRowsExtractor[Click]):
    """Every click."""

    source = "python"

    def extract(self, start, end):
        clicks = SOURCE["clicks"]
        assert isinstance(clicks, list)
        for index, (moment, button) in enumerate(clicks):
            if start <= moment < end:
                if button == "explode":
                    raise ConnectionError("source went away")
                yield Click(moment, button, float(index) if index % 2 else None)


def paris(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=PARIS)


@pytest.fixture(autouse=True)
def empty_source():
    SOURCE.clear()
    yield
    SOURCE.clear()


def test_table_is_created_day_partitioned_with_the_declared_schema(warehouse, bq_client):
    SOURCE["visits"] = [paris("2024-01-02T10:00")]
    materialize([VisitsExtractor], warehouse, "2024-01-02")
    table = bq_client.get_table(warehouse.table_id("visits"))
    assert [(f.name, standard_type_name(f.field_type), f.mode) for f in table.schema] == [
        ("date", "DATE", "REQUIRED"),
        ("visits", "INT64", "REQUIRED"),
        ("average_basket", "NUMERIC", "NULLABLE"),
        ("hours", "FLOAT64", "REQUIRED"),
    ]
    assert table.time_partitioning is not None
    assert table.time_partitioning.field == "date"
    assert table.time_partitioning.type_ == "DAY"
    assert table.description == "Cumulative visits at the end of each day."


def test_rematerializing_a_day_after_the_source_changed_leaves_one_row_with_the_new_value(
    warehouse,
):
    extractors = [VisitsExtractor]
    SOURCE["visits"] = [paris("2024-01-02T10:00")]
    materialize(extractors, warehouse, "2024-01-02")
    SOURCE["visits"] = [paris("2024-01-02T10:00"), paris("2024-01-02T23:59:59")]
    SOURCE["basket"] = Decimal("12.50")
    materialize(extractors, warehouse, "2024-01-02")
    materialize(extractors, warehouse, "2024-01-02")
    assert table_rows(warehouse, "visits") == [
        {"date": day("2024-01-02"), "visits": 2, "average_basket": Decimal("12.5"), "hours": 24.0}
    ]


def test_an_extractor_that_raises_mid_day_leaves_the_previous_day_intact(warehouse):
    extractors = [ClickExtractor]
    SOURCE["clicks"] = [(paris("2024-01-05T08:00"), "buy"), (paris("2024-01-05T09:00"), "share")]
    materialize(extractors, warehouse, "2024-01-05")
    before = table_rows(warehouse, "click")
    assert len(before) == 2
    SOURCE["clicks"] = [
        (paris("2024-01-05T08:00"), "buy"),
        (paris("2024-01-05T08:30"), "like"),
        (paris("2024-01-05T09:00"), "explode"),
    ]
    result = materialize(extractors, warehouse, "2024-01-05", raise_on_error=False)
    assert not result.success
    failure = result.dagster_result.get_step_failure_events()[0].step_failure_data.error
    assert failure is not None
    assert (
        "extractor 'click' failed on day 2024-01-05 (window 2024-01-05T00:00:00+01:00 to "
        "2024-01-06T00:00:00+01:00): ConnectionError: source went away"
    ) in failure.to_string()
    assert table_rows(warehouse, "click") == before


def test_a_bad_row_in_a_range_writes_none_of_the_range(warehouse):
    extractors = [VisitsExtractor]
    SOURCE["visits"] = [paris("2024-01-02T10:00")]
    materialize(extractors, warehouse, "2024-01-02", "2024-01-04")
    before = table_rows(warehouse, "visits")
    SOURCE["visits"] = [paris("2024-01-02T10:00"), paris("2024-01-03T10:00")]
    SOURCE["basket"] = 12.5  # a float where a Decimal is declared
    result = materialize(extractors, warehouse, "2024-01-02", "2024-01-04", raise_on_error=False)
    assert not result.success
    error = result.dagster_result.get_step_failure_events()[0].step_failure_data.error
    assert error is not None
    assert (
        "extractor 'visits', day 2024-01-02, row 1, field 'average_basket': "
        "expected Decimal, got float 12.5"
    ) in error.to_string()
    assert table_rows(warehouse, "visits") == before


def test_a_range_written_in_one_run_equals_the_same_days_written_one_by_one(
    warehouse, bigquery_emulator
):
    clicks = [
        (paris("2024-03-01T00:00") + dt.timedelta(hours=7 * i), f"b{i % 3}")
        for i in range(140)  # ~41 days of clicks, DST change (2024-03-31) included
    ]
    SOURCE["clicks"] = clicks
    SOURCE["visits"] = [moment for moment, _ in clicks]
    extractors = [ClickExtractor, VisitsExtractor]
    # twelve days around the DST change (2024-03-31, 23 hours), from the middle of the clicks
    one_run = materialize(extractors, warehouse, "2024-03-25", "2024-04-05")
    assert one_run.success
    day_by_day = throwaway_warehouse(bigquery_emulator)
    for offset in range(12):
        materialize(extractors, day_by_day, day("2024-03-25") + dt.timedelta(days=offset))
    for table in ("click", "visits"):
        assert table_rows(warehouse, table) == table_rows(day_by_day, table)
    assert len(table_rows(warehouse, "visits")) == 12
    assert len(table_rows(warehouse, "click")) == sum(
        1 for m, _ in clicks if paris("2024-03-25T00:00") <= m < paris("2024-04-06T00:00")
    )


def test_row_counts_are_reported_per_partition_for_the_ui(warehouse):
    SOURCE["clicks"] = [
        (paris("2024-01-02T12:00"), "a"),
        (paris("2024-01-03T12:00"), "b"),
        (paris("2024-01-03T13:00"), "c"),
    ]
    result = materialize([ClickExtractor], warehouse, "2024-01-01", "2024-01-03")
    metadata = {
        event.partition: {key: value.value for key, value in event.metadata.items()}
        for event in result.dagster_result.get_asset_materialization_events()
        for event in [event.materialization]
    }
    table = {"table_rows_total": 3, "table_days_present": 2}  # the whole table after the run
    assert metadata == {  # the day's own count, no run total; the table's size on each day
        # an empty day the table held no row of: nothing to write, so "unchanged"
        "2024-01-01": {"dagster/row_count": 0, "restated": "unchanged", **table},
        "2024-01-02": {"dagster/row_count": 1, "restated": "new", **table},
        "2024-01-03": {"dagster/row_count": 2, "restated": "new", **table},
    }
    SOURCE["clicks"].append((paris("2024-01-04T08:00"), "d"))
    later = materialize([ClickExtractor], warehouse, "2024-01-04")
    (event,) = later.dagster_result.get_asset_materialization_events()
    grown = {k: v.value for k, v in event.materialization.metadata.items() if k.startswith("table")}
    assert grown == {"table_rows_total": 4, "table_days_present": 3}  # plotted day by day


def test_a_date_aggregated_day_records_its_own_numbers_and_no_run_total(warehouse):
    SOURCE["visits"] = [paris("2024-03-30T10:00"), paris("2024-03-31T10:00")]
    SOURCE["basket"] = Decimal("12.50")
    result = materialize([VisitsExtractor], warehouse, "2024-03-30", "2024-03-31")
    metadata = {
        event.materialization.partition: {
            key: value.value for key, value in event.materialization.metadata.items()
        }
        for event in result.dagster_result.get_asset_materialization_events()
        if event.asset_key == dg.AssetKey("visits")
    }
    table = {"table_rows_total": 2, "table_days_present": 2}
    assert metadata == {  # 31 March is the 23-hour day in Paris
        "2024-03-30": {"visits": 1, "average_basket": 12.5, "hours": 24.0, "restated": "new"}
        | table,
        "2024-03-31": {"visits": 2, "average_basket": 12.5, "hours": 23.0, "restated": "new"}
        | table,
    }


def test_a_null_number_is_left_out_of_its_days_metadata(warehouse):
    SOURCE["visits"] = []
    result = materialize([VisitsExtractor], warehouse, "2024-01-02")
    (event,) = [
        e
        for e in result.dagster_result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey("visits")
    ]
    assert set(event.materialization.metadata) == {
        "visits",
        "hours",
        "restated",
        "table_rows_total",
        "table_days_present",
    }


def test_an_empty_day_is_materialized_and_clears_what_was_there(warehouse):
    extractors = [ClickExtractor]
    SOURCE["clicks"] = [(paris("2024-01-05T08:00"), "buy"), (paris("2024-01-06T08:00"), "keep")]
    materialize(extractors, warehouse, "2024-01-05", "2024-01-06")
    SOURCE["clicks"] = [(paris("2024-01-06T08:00"), "keep")]
    result = materialize(extractors, warehouse, "2024-01-05")
    assert result.success
    assert [row["button"] for row in table_rows(warehouse, "click")] == ["keep"]


def test_values_round_trip_exactly(warehouse):
    SOURCE["clicks"] = [(paris("2024-10-27T02:30") + dt.timedelta(hours=1), "fall-back")]
    materialize([ClickExtractor], warehouse, "2024-10-27")
    assert table_rows(warehouse, "click") == [
        {
            "date": day("2024-10-27"),
            "timestamp": dt.datetime(2024, 10, 27, 2, 30, tzinfo=dt.UTC),
            "button": "fall-back",
            "weight": None,
        }
    ]


def test_downstream_assets_read_partitions_back_as_pandas(warehouse):
    SOURCE["visits"] = [paris("2024-01-02T10:00"), paris("2024-01-03T10:00")]
    settings = location_settings("2024-01-01")
    definitions = location_definitions(VisitsExtractor, warehouse, settings)
    seen: list[pd.DataFrame] = []

    @dg.asset(partitions_def=daily_partitions(settings), ins={"visits": dg.AssetIn()})
    def visits_report(visits: pd.DataFrame) -> None:
        seen.append(visits)

    materialize(VisitsExtractor, warehouse, "2024-01-02", "2024-01-03", settings=settings)
    result = dg.materialize(
        [definitions.resolve_assets_def("visits"), visits_report],
        selection=[visits_report],
        partition_key="2024-01-03",
        resources={"io_manager": dg.mem_io_manager},  # the report's; visits brings its own
    )
    assert result.success
    frame = seen[0]
    assert list(frame.columns) == ["date", "visits", "average_basket", "hours"]
    assert frame.to_dict("records") == [
        {"date": day("2024-01-03"), "visits": 2, "average_basket": None, "hours": 24.0}
    ]


def test_a_changed_declaration_is_refused_before_writing(warehouse):
    SOURCE["visits"] = [paris("2024-01-02T10:00")]
    materialize([VisitsExtractor], warehouse, "2024-01-02")

    @dataclass
    class VisitsV2:
        visits: int = column(differentiate=True)
        hours: float = column()

    class VisitsV2Extractor(DateAggregatedExtractor[VisitsV2]):
        source = "python"
        table_name = "visits"

        def extract(self, start, end):
            yield VisitsV2(99, 24.0)

    result = materialize(
        [VisitsV2Extractor],
        warehouse,
        "2024-01-02",
        raise_on_error=False,
    )
    assert not result.success
    error = result.dagster_result.get_step_failure_events()[0].step_failure_data.error
    assert error is not None and SchemaMismatchError.__name__ in error.to_string()
    assert "column average_basket NUMERIC NULLABLE is no longer declared" in error.to_string()
    assert table_rows(warehouse, "visits")[0]["visits"] == 1
