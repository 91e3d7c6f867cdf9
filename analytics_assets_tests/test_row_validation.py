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
from analytics_assets.rows import staging as staging_module
from analytics_assets.rows import validation as validation_module
from analytics_assets.rows.extraction import ExtractorFailedError, stage_days
from analytics_assets.rows.staging import RowStager
from analytics_assets.rows.values import RowValidationError

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
    sent_at: dt.datetime | None = None


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
        (
            {"label": "caf\udce9"},
            "field 'label': character '\\udce9' at position 3 cannot be stored (a lone "
            "surrogate is not UTF-8; STRING is UTF-8)",
        ),
        (
            {"ratio": 10**400},
            "field 'ratio': int of 1329 bits is beyond FLOAT64's range (about ±1.8e308)",
        ),
    ],
)
def test_a_bad_value_names_extractor_day_row_and_field(tmp_path, changes, message):
    with pytest.raises(RowValidationError) as raised:
        _stage(TotalsExtractor, [_good_totals(**changes)], tmp_path)
    assert str(raised.value).startswith("extractor 'totals', day 2024-03-27, row 1, ")
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        (Decimal("1.500000000000"), Decimal("1.500000000")),
        (Decimal("0E-12"), Decimal("0E-9")),
        (Decimal("-123.450000000000000000"), Decimal("-123.450000000")),
    ],
)
def test_a_decimal_written_with_more_than_nine_places_that_numeric_holds_is_stored(
    tmp_path, written, stored
):
    staged = _stage(TotalsExtractor, [_good_totals(amount=written)], tmp_path)
    (value,) = pq.read_table(staged.path).column("amount").to_pylist()
    assert value == stored and str(value) == str(stored)


def test_a_timestamp_beyond_bigquery_s_range_names_its_row_and_field(tmp_path):
    row = Event(
        timestamp=WINDOW[0],
        payload=b"",
        happened_on=DAY,
        sent_at=dt.datetime(1, 1, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))),
    )
    with pytest.raises(RowValidationError) as raised:
        _stage(EventExtractor, [row], tmp_path)
    assert str(raised.value) == (
        "extractor 'event', day 2024-03-27, row 1, field 'sent_at': 0001-01-01T00:30:00+01:00 "
        "is outside TIMESTAMP's range (0001-01-01 to 9999-12-31 UTC)"
    )


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
    monkeypatch.setattr(staging_module, "CHUNK_ROWS", 1000)
    start, _ = WINDOW
    events = (_event(start + dt.timedelta(seconds=i)) for i in range(2500))
    staged = _stage(EventExtractor, events, tmp_path)
    parquet = pq.ParquetFile(staged.path)
    assert parquet.metadata.num_rows == 2500
    assert parquet.metadata.num_row_groups == 3


@dataclass
class Reading:
    """An individual row with every column type, for the bulk (column by column) check."""

    timestamp: dt.datetime
    count: int
    ratio: float
    amount: Decimal
    active: bool
    label: str | None
    payload: bytes
    happened_on: dt.date


class ReadingExtractor(IndividualRowsExtractor[Reading]):
    def extract(self, start, end):
        return iter(())


BULK_DAY_ROWS = 3 * validation_module.BULK_MIN_ROWS
BAD_ROW = 2 * validation_module.BULK_MIN_ROWS + 5


def _readings(bad_row: int | None = None, **changes: Any) -> list[Reading]:
    """A day of valid readings, spread over the day; ``bad_row`` (1-based) gets ``changes``."""
    start, _ = WINDOW
    readings = [
        Reading(
            timestamp=start + dt.timedelta(minutes=number),
            count=number,
            ratio=number / 3,
            amount=Decimal(number) / 4,
            active=number % 2 == 0,
            label=None if number % 5 == 0 else f"reading {number}",
            payload=bytes([number % 256]),
            happened_on=DAY,
        )
        for number in range(1, BULK_DAY_ROWS + 1)
    ]
    if bad_row is not None:
        values = vars(readings[bad_row - 1]) | changes
        readings[bad_row - 1] = Reading(**values)
    return readings


def test_a_large_valid_day_is_staged_exactly_as_row_by_row_checking_stages_it(
    tmp_path, monkeypatch
):
    (tmp_path / "bulk").mkdir()
    (tmp_path / "rows").mkdir()
    bulk = pq.read_table(_stage(ReadingExtractor, _readings(), tmp_path / "bulk").path)
    monkeypatch.setattr(validation_module, "BULK_MIN_ROWS", BULK_DAY_ROWS + 1)
    one_by_one = pq.read_table(_stage(ReadingExtractor, _readings(), tmp_path / "rows").path)
    assert bulk.equals(one_by_one)
    assert bulk.num_rows == BULK_DAY_ROWS


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"count": None}, "field 'count': None in a REQUIRED field"),
        ({"count": True}, "field 'count': expected int, got bool True"),
        ({"count": 2**63}, "field 'count': 9223372036854775808 does not fit in INT64"),
        ({"ratio": 2**60 + 1}, None),  # an int a float cannot hold exactly is still a float
        ({"amount": Decimal("0.0000000001")}, "has 10 decimal places; NUMERIC keeps at most 9"),
        ({"amount": 1.5}, "field 'amount': expected Decimal, got float 1.5"),
        ({"active": 1}, "field 'active': expected bool, got int 1"),
        ({"label": b"x"}, "field 'label': expected str, got bytes"),
        ({"label": "\ud800"}, "field 'label': character '\\ud800' at position 0 cannot be"),
        ({"ratio": -(10**309)}, "field 'ratio': int of 1027 bits is beyond FLOAT64's range"),
        ({"amount": Decimal("1.500000000000")}, None),  # exactly 1.5: stored at 9 places
        ({"payload": "x"}, "field 'payload': expected bytes, got str 'x'"),
        (
            {"happened_on": dt.datetime(2024, 3, 27, tzinfo=dt.UTC)},
            "field 'happened_on': expected datetime.date, got datetime",
        ),
        (
            {"timestamp": dt.datetime(2024, 3, 27, 12)},
            "naive datetime 2024-03-27T12:00:00: give it a time zone",
        ),
        ({"timestamp": WINDOW[1]}, "is outside the day's window"),
    ],
)
def test_a_bad_value_in_a_large_day_names_its_row_as_in_a_small_day(tmp_path, changes, message):
    readings = _readings(BAD_ROW, **changes)
    if message is None:
        _stage(ReadingExtractor, readings, tmp_path)
        return
    with pytest.raises(RowValidationError) as raised:
        _stage(ReadingExtractor, readings, tmp_path)
    assert str(raised.value).startswith(f"extractor 'reading', day 2024-03-27, row {BAD_ROW}")
    assert message in str(raised.value)


class RangeTotalsExtractor(DateAggregatedExtractor[Totals]):
    """Answers ranges, but yields one row too few."""

    def extract(self, start, end):
        yield _good_totals()

    def extract_days(self, windows):
        return [_good_totals() for _ in windows[1:]]


def test_a_range_answer_must_have_one_row_per_day(tmp_path):
    days = [DAY, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=2)]
    with pytest.raises(
        RowValidationError,
        match=r"extractor 'totals', days 2024-03-27 to 2024-03-29: extract_days must yield exactly "
        r"one row per day, it yielded 2 for 3 days",
    ):
        stage_days(RangeTotalsExtractor(), days, PARIS, tmp_path / "s.parquet")


def test_a_range_of_one_day_and_an_extractor_without_ranges_are_asked_day_by_day(tmp_path):
    assert RangeTotalsExtractor.extracts_ranges() and not TotalsExtractor.extracts_ranges()
    staged = stage_days(RangeTotalsExtractor(), [DAY], PARIS, tmp_path / "s.parquet")
    assert staged.rows_per_day == {DAY: 1}


class FineTotalsExtractor(DateAggregatedExtractor[Totals]):
    def extract(self, start, end):
        yield _good_totals()


class FailingReadExtractor(DateAggregatedExtractor[Totals]):
    def extract(self, start, end):
        yield from ()
        raise ConnectionResetError("the database went away mid-read")


def test_a_staging_failure_is_the_project_s_own_error_never_blamed_on_the_extractor(
    tmp_path, monkeypatch
):
    def disk_full(self, batch):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(RowStager, "_add_batch", disk_full)
    with pytest.raises(OSError, match="No space left on device") as raised:
        stage_days(FineTotalsExtractor(), [DAY], PARIS, tmp_path / "s.parquet")
    assert not isinstance(raised.value, ExtractorFailedError)
    assert "extractor" not in str(raised.value)


def test_an_error_while_the_extractor_s_rows_are_read_names_the_extractor_and_day(tmp_path):
    with pytest.raises(ExtractorFailedError) as raised:
        stage_days(FailingReadExtractor(), [DAY], PARIS, tmp_path / "s.parquet")
    assert str(raised.value) == (
        "extractor 'totals' failed on day 2024-03-27 (window 2024-03-27T00:00:00+01:00 to "
        "2024-03-28T00:00:00+01:00): ConnectionResetError: the database went away mid-read"
    )
