"""API items become rows through the row's own fields only, with typed, checked conversions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from analytics_assets.sources.http_retry import retry_after_seconds
from analytics_assets.sources.json_rows import JsonItemError, rows_from_items
from analytics_assets.sources.urls import safe_url


@dataclass
class Order:
    timestamp: dt.datetime
    total: Decimal
    items: int
    paid: bool
    coupon: str | None


ITEM = {
    "created": "2024-03-31T03:00:00+02:00",
    "total": "12.50",
    "items": 3,
    "paid": True,
    "coupon": None,
    "customer_email": "ada@example.com",
    "address": {"street": "1 rue de la Paix"},
}


def test_only_declared_fields_are_taken_and_converted_to_their_types():
    (order,) = rows_from_items(Order, [ITEM], fields={"timestamp": "created"})
    assert order == Order(
        timestamp=dt.datetime(2024, 3, 31, 1, 0, tzinfo=dt.UTC),
        total=Decimal("12.50"),
        items=3,
        paid=True,
        coupon=None,
    )
    assert not hasattr(order, "customer_email")


def test_a_field_can_come_from_a_nested_path_or_a_function():
    item = {**ITEM, "meta": {"paid": False}}
    fields = {"timestamp": "created", "paid": "meta.paid", "items": lambda i: i["items"] * 2}
    (order,) = rows_from_items(Order, [item], fields=fields)
    assert (order.paid, order.items) == (False, 6)


def test_a_missing_field_names_the_item_and_lists_keys_not_values():
    item = {key: value for key, value in ITEM.items() if key != "total"}
    with pytest.raises(JsonItemError) as raised:
        list(rows_from_items(Order, [ITEM, item], fields={"timestamp": "created"}))
    assert str(raised.value) == (
        "item 1 has no 'total' for field 'total' (it has: ['address', 'coupon', 'created', "
        "'customer_email', 'items', 'paid'])"
    )


def test_an_instant_without_offset_is_refused():
    item = {**ITEM, "created": "2024-03-31T03:00:00"}
    with pytest.raises(JsonItemError) as raised:
        list(rows_from_items(Order, [item], fields={"timestamp": "created"}))
    assert str(raised.value) == (
        "item 0, field 'timestamp' (from created): the instant has no UTC offset, "
        "got '2024-03-31T03:00:00'"
    )


def test_a_boolean_is_not_taken_for_a_count():
    with pytest.raises(JsonItemError, match=r"field 'items' \(from items\): expected an integer"):
        list(rows_from_items(Order, [{**ITEM, "items": True}], fields={"timestamp": "created"}))


def test_a_mapping_for_an_undeclared_field_is_refused():
    with pytest.raises(JsonItemError, match=r"Order declares no field \['email'\]"):
        list(rows_from_items(Order, [ITEM], fields={"email": "customer_email"}))


def test_retry_after_accepts_seconds_and_http_dates():
    now = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
    assert retry_after_seconds("7", now) == 7.0
    assert retry_after_seconds("Mon, 23 Nov 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Mon, 23 Nov 2026 11:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon", now) is None


def test_urls_in_messages_lose_user_info_and_credential_parameters():
    url = "https://user:pw@desk.example:8443/api?page=2&api_key=abc&access_token=xyz"
    assert safe_url(url) == "https://desk.example:8443/api?page=2&api_key=***&access_token=***"


def test_the_demo_api_journal_keeps_the_last_requests_without_their_credentials():
    from analytics_assets.demo.api_faults import RequestJournal

    journal = RequestJournal(size=3)
    for number in range(5):
        journal.record(f"/api/tickets/?page={number}", {"HTTP_AUTHORIZATION": "Bearer s3cr3t"})
    assert [entry.path for entry in journal.entries()] == [
        "/api/tickets/?page=2",
        "/api/tickets/?page=3",
        "/api/tickets/?page=4",
    ]
    assert all(entry.headers == {} for entry in journal.entries())


def test_only_paging_and_time_parameters_show_their_values_in_a_logged_url():
    url = "https://bot:pw@desk.example/api?day=2024-01-01&opened_after=x&sig=s1&pwd=p2&jwt=j3#f=4"
    assert safe_url(url) == (
        "https://desk.example/api?day=2024-01-01&opened_after=x&sig=***&pwd=***&jwt=***"
    )
