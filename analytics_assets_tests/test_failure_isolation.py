"""A failing extractor fails its own days only; transient source errors are retried."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from google.api_core.exceptions import BadRequest

from analytics_assets.assembly.retries import is_transient
from analytics_assets.extract import DateAggregatedExtractor, column
from analytics_assets.testing import location_settings, materialize, table_rows
from analytics_assets_tests.dates import day

#: Days on which the "orders" source is down, and how many more times it fails.
BROKEN = {"days": set(), "failures_left": 0}


@dataclass
class Orders:
    orders: int = column(differentiate=True)


class OrdersExtractor(DateAggregatedExtractor[Orders]):
    source = "python"

    def extract(self, start: dt.datetime, end: dt.datetime):
        if start.date().isoformat() in BROKEN["days"]:
            raise ValueError(f"corrupt ledger on {start.date()}")
        if BROKEN["failures_left"]:
            BROKEN["failures_left"] -= 1
            raise ConnectionError("connection reset by peer")
        yield Orders(orders=start.day)


@dataclass
class Refunds:
    refunds: int = column(differentiate=True)


class RefundsExtractor(DateAggregatedExtractor[Refunds]):
    source = "python"

    def extract(self, start: dt.datetime, end: dt.datetime):
        yield Refunds(refunds=10 * start.day)


@pytest.fixture(autouse=True)
def healthy_source():
    BROKEN["days"] = set()
    BROKEN["failures_left"] = 0


def _materialized(result) -> set[tuple[str, str]]:
    return {
        (event.asset_key.to_user_string(), event.partition)
        for event in result.get_asset_materialization_events()
        if event.asset_key is not None and event.partition is not None
    }


def test_one_extractor_failing_on_one_day_leaves_the_other_extractor_and_days_written(
    warehouse,
):
    extractors = [OrdersExtractor, RefundsExtractor]
    assert materialize(extractors, warehouse, "2024-01-01", "2024-01-02").success
    BROKEN["days"] = {"2024-01-04"}
    run = materialize(extractors, warehouse, "2024-01-01", "2024-01-05", raise_on_error=False)
    assert not run.success
    result = run.dagster_result
    done = _materialized(result)
    assert {("refunds", f"2024-01-0{d}") for d in range(1, 6)} <= done
    assert {("refunds_delta", f"2024-01-0{d}") for d in range(1, 6)} <= done
    assert not {key for key in done if key[0].startswith("orders")}
    # the failed range left the orders table exactly as it was, and its view untouched
    assert table_rows(warehouse, "orders") == [
        {"date": day("2024-01-01"), "orders": 1},
        {"date": day("2024-01-02"), "orders": 2},
    ]
    assert [row["refunds"] for row in table_rows(warehouse, "refunds")] == [10, 20, 30, 40, 50]
    failure = next(
        event for event in result.all_events if event.is_step_failure and event.step_key == "orders"
    )
    error = failure.step_failure_data.error
    assert error is not None and error.cause is not None
    message = error.cause.message
    assert "extractor 'orders' failed on day 2024-01-04" in message
    assert "corrupt ledger on 2024-01-04" in message
    # the good days of the failed range land when asked for on their own
    BROKEN["days"] = set()
    assert materialize(extractors, warehouse, "2024-01-03").success
    assert [row["orders"] for row in table_rows(warehouse, "orders")] == [1, 2, 3]


def test_a_transient_source_error_is_retried_with_backoff_and_the_day_lands(warehouse):
    BROKEN["failures_left"] = 2
    policy = location_settings("2024-01-01", extract_retries=2, extract_retry_delay_seconds=0.01)
    run = materialize(OrdersExtractor, warehouse, "2024-01-03", settings=policy)
    assert run.success
    retries = [
        event
        for event in run.dagster_result.all_events
        if event.event_type_value == "STEP_UP_FOR_RETRY"
    ]
    assert len(retries) == 2
    assert table_rows(warehouse, "orders") == [{"date": day("2024-01-03"), "orders": 3}]


def test_retries_give_up_after_the_configured_number_of_attempts(warehouse):
    BROKEN["failures_left"] = 5
    policy = location_settings("2024-01-01", extract_retries=1, extract_retry_delay_seconds=0.01)
    result = materialize(
        OrdersExtractor, warehouse, "2024-01-03", settings=policy, raise_on_error=False
    )
    assert not result.success
    assert BROKEN["failures_left"] == 3  # two attempts, no more


def test_a_bug_in_an_extractor_is_not_retried(warehouse):
    BROKEN["days"] = {"2024-01-03"}
    policy = location_settings("2024-01-01", extract_retries=3, extract_retry_delay_seconds=0.01)
    result = materialize(
        OrdersExtractor, warehouse, "2024-01-03", settings=policy, raise_on_error=False
    )
    assert not result.success
    assert not [
        e for e in result.dagster_result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"
    ]


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (ConnectionResetError("reset"), True),
        (TimeoutError("slow"), True),
        (ValueError("bad"), False),
        (FileNotFoundError("missing"), False),
        (
            BadRequest(
                "Transaction is aborted due to concurrent update against table "
                "acme:analytics.user. Transaction ID: 1a2b"
            ),
            True,
        ),
        (BadRequest("Syntax error: Unexpected keyword MERGE at [2:1]"), False),
    ],
    ids=["reset", "timeout", "value", "file", "concurrent-update-abort", "bad-request"],
)
def test_transient_errors_are_recognised_through_their_causes(error, transient):
    try:
        try:
            raise error
        except Exception as cause:
            raise RuntimeError("wrapped") from cause
    except RuntimeError as wrapped:
        assert is_transient(wrapped) is transient
