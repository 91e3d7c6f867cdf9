"""Rows are checked against the declared schema before any write, with errors naming where."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq
import pytest

from analytics_assets.extract import DateAggregatedExtractor, IndividualRowsExtractor, day_window
from analytics_assets.extract import rows as rows_module
from analytics_assets.extract.rows import RowStager, RowValidationError

PARIS = ZoneInfo("Europe/Paris")
DAY = dt.date(2024, 3, 27)
WINDOW = day_window(DAY, PARIS)


@dataclass
class Totals:
    count: int
    ratio: float
    amount: Decimal
    active: bool
    label: str | None


class TotalsExtractor(DateAggregatedExtractor[Totals]):
    def extract(self, start, end):
        return iter(())


@dataclass
class Event:
    timestamp: dt.datetime
    payload: bytes
    happened_on: dt.date


class EventExtractor(IndividualRowsExtractor[Event]):
    def extract(self, start, end):
        return iter(())


def _stage(extractor, rows, tmp_path, day=DAY, window=WINDOW):
    with RowStager(
        extractor.table, extractor.row_type, extractor.table.name, tmp_path / "s.parquet"
    ) as stager:
        stager.add_day(day, window, rows)
    return stager.staged


def _good_totals(**changes: Any) -> Totals:
    values: dict[str, Any] = dict(
        count=3, ratio=0.5, amount=Decimal("12.34"), active=True, label=None
    )
    values.update(changes)
    return Totals(**values)


def test_valid_rows_are_staged_with_the_system_date_column_first(tmp_path):
    staged = _stage(TotalsExtractor, [_good_totals(ratio=2)], tmp_path)
    table = pq.read_table(staged.path)
    assert table.column_names == ["date", "count", "ratio", "amount", "active", "label"]
    assert table.to_pylist() == [
        {
            "date": DAY,
            "count": 3,
            "ratio": 2.0,
            "amount": Decimal("12.340000000"),
            "active": True,
            "label": None,
        }
    ]
    assert staged.rows_per_day == {DAY: 1}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"count": None}, "field 'count': None in a REQUIRED field"),
        ({"count": "3"}, "field 'count': expected int, got str '3'"),
        ({"count": True}, "field 'count': expected int, got bool True"),
        ({"count": 2**63}, "field 'count': 9223372036854775808 does not fit in INT64"),
        ({"ratio": "0.5"}, "field 'ratio': expected float, got str '0.5'"),
        ({"amount": 1.5}, "field 'amount': expected Decimal, got float 1.5"),
        ({"amount": Decimal("0.0000000001")}, "has 10 decimal places; NUMERIC keeps at most 9"),
        ({"amount": Decimal("1e30")}, "more than 29 integer digits"),
        ({"amount": Decimal("NaN")}, "is not a finite number"),
        ({"active": 1}, "field 'active': expected bool, got int 1"),
        ({"label": b"x"}, "field 'label': expected str, got bytes"),
    ],
)
def test_a_bad_value_names_extractor_day_row_and_field(tmp_path, changes, message):
    with pytest.raises(RowValidationError) as raised:
        _stage(TotalsExtractor, [_good_totals(**changes)], tmp_path)
    assert str(raised.value).startswith("extractor 'totals', day 2024-03-27, row 1, ")
    assert message in str(raised.value)


@pytest.mark.parametrize("count", [0, 2])
def test_a_date_aggregated_day_must_have_exactly_one_row(tmp_path, count):
    with pytest.raises(RowValidationError, match=f"exactly one row per day, it yielded {count}"):
        _stage(TotalsExtractor, [_good_totals()] * count, tmp_path)


def test_a_row_of_another_type_is_refused(tmp_path):
    with pytest.raises(RowValidationError, match="expected a Totals instance, got dict"):
        _stage(TotalsExtractor, [{"count": 1}], tmp_path)


def test_individual_rows_may_be_zero_per_day(tmp_path):
    staged = _stage(EventExtractor, [], tmp_path)
    assert staged.rows_per_day == {DAY: 0}
    assert not staged.path.exists()


def _event(moment):
    return Event(timestamp=moment, payload=b"\x00\xff", happened_on=DAY)


def test_timestamps_are_stored_in_utc_and_must_lie_inside_the_window(tmp_path):
    start, end = WINDOW
    staged = _stage(
        EventExtractor, [_event(start), _event(end - dt.timedelta(microseconds=1))], tmp_path
    )
    stored = pq.read_table(staged.path).column("timestamp").to_pylist()
    assert stored == [
        start.astimezone(dt.UTC),
        (end - dt.timedelta(microseconds=1)).astimezone(dt.UTC),
    ]


@pytest.mark.parametrize("moment_offset", [dt.timedelta(microseconds=-1), dt.timedelta(hours=24)])
def test_a_timestamp_outside_its_day_is_refused(tmp_path, moment_offset):
    start, _ = WINDOW
    with pytest.raises(RowValidationError, match="is outside the day's window"):
        _stage(EventExtractor, [_event(start + moment_offset)], tmp_path)


def test_a_naive_datetime_is_refused(tmp_path):
    with pytest.raises(
        RowValidationError, match="naive datetime 2024-03-27T12:00:00: give it a time zone"
    ):
        _stage(EventExtractor, [_event(dt.datetime(2024, 3, 27, 12))], tmp_path)


def test_a_datetime_in_a_date_field_is_refused(tmp_path):
    row = Event(
        timestamp=WINDOW[0], payload=b"", happened_on=dt.datetime(2024, 3, 27, tzinfo=dt.UTC)
    )  # type: ignore[arg-type]
    with pytest.raises(
        RowValidationError, match=r"field 'happened_on': expected datetime\.date, got datetime"
    ):
        _stage(EventExtractor, [row], tmp_path)


def test_large_days_are_written_in_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(rows_module, "CHUNK_ROWS", 1000)
    start, _ = WINDOW
    events = (_event(start + dt.timedelta(seconds=i)) for i in range(2500))
    staged = _stage(EventExtractor, events, tmp_path)
    parquet = pq.ParquetFile(staged.path)
    assert parquet.metadata.num_rows == 2500
    assert parquet.metadata.num_row_groups == 3
