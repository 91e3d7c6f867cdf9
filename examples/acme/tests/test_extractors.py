"""Acme's extractors through the real assets, IO manager and views, on an embedded BigQuery.

The kit (analytics_assets.testing) gives the emulator fixtures; pytest-django the database
(``transactional_db``: the extractors read it from the run's thread) and the live server
serving the help desk API.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from acme_analytics.extractors.customers import CustomersExtractor
from acme_analytics.extractors.orders import OrderExtractor
from acme_analytics.extractors.tickets import TicketExtractor
from acme_shop.models import Customer, Order, Ticket

from analytics_assets.testing import (
    evaluate_catch_up,
    location_definitions,
    location_settings,
    materialize,
)

PARIS = ZoneInfo("Europe/Paris")


def paris(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=PARIS)


def customer(joined: str, plan: str) -> Customer:
    return Customer.objects.create(email="x@example.com", joined_at=paris(joined), plan=plan)


@pytest.mark.django_db(transaction=True)
def test_customers_and_orders_land_on_their_local_day_across_the_autumn_change(
    bigquery_warehouse,
):
    first = customer("2026-10-24T23:30", "free")  # the day before the 25-hour day
    Order.objects.create(
        customer=first, placed_at=paris("2026-10-25T02:30"), amount=Decimal("9.90"), status="paid"
    )
    customer("2026-10-25T23:59", "pro")  # the last minute of the 25-hour day

    run = materialize(
        [CustomersExtractor, OrderExtractor], bigquery_warehouse, "2026-10-24", "2026-10-26"
    )

    assert run.rows("customers") == [
        {"date": dt.date(2026, 10, 24), "customers": 1, "paying": 0},
        {"date": dt.date(2026, 10, 25), "customers": 2, "paying": 1},
        {"date": dt.date(2026, 10, 26), "customers": 2, "paying": 1},
    ]
    assert run.rows("customers_delta") == [
        {"date": dt.date(2026, 10, 24), "customers": 1, "paying": 0},
        {"date": dt.date(2026, 10, 25), "customers": 1, "paying": 1},
        {"date": dt.date(2026, 10, 26), "customers": 0, "paying": 0},
    ]
    assert run.rows("order") == [
        {
            "date": dt.date(2026, 10, 25),
            "timestamp": dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC),
            "amount": Decimal("9.90"),
            "status": "paid",
        }
    ]


@pytest.mark.django_db(transaction=True)
def test_tickets_come_from_the_help_desk_api(bigquery_warehouse, helpdesk):
    Ticket.objects.create(opened_at=paris("2026-11-02T09:00"), channel="chat", subject="hi")
    Ticket.objects.create(opened_at=paris("2026-11-03T09:00"), channel="email", subject="no")

    run = materialize(
        TicketExtractor, bigquery_warehouse, "2026-11-02", sources={"helpdesk": helpdesk}
    )

    assert run.rows("ticket") == [
        {
            "date": dt.date(2026, 11, 2),
            "timestamp": dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC),
            "channel": "chat",
        }
    ]


class RefundsExtractor(CustomersExtractor):
    """An extractor whose model is not there (a rename not yet deployed, a typo)."""

    table_name = "refunds"

    def extract(self, start, end):
        from acme_shop.models import Refund  # type: ignore[attr-defined]  # no such model

        yield Refund.objects.count()


@pytest.mark.django_db
def test_a_model_that_does_not_import_fails_one_run_and_the_catch_up_holds_it(
    bigquery_warehouse, dagster_instance
):
    settings = location_settings("2026-11-01")
    run = materialize(
        RefundsExtractor,
        bigquery_warehouse,
        "2026-11-01",
        "2026-11-20",
        settings=settings,
        instance=dagster_instance,
        raise_on_error=False,
    )
    (error,) = run.errors
    assert error.startswith("ExtractorFailedError: extractor 'refunds' failed on day 2026-11-01")
    assert "ImportError: cannot import name 'Refund' from 'acme_shop.models'" in error

    definitions = location_definitions(RefundsExtractor, bigquery_warehouse, settings)
    tick = evaluate_catch_up(definitions, paris("2026-11-21T09:00"), dagster_instance)
    assert tick.runs == []  # held until the code is fixed and reloaded, not 4 quarter runs
    assert "held back until the code is reloaded" in (tick.skip_reason or "")
