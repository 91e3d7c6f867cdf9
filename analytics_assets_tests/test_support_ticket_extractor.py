"""The support-ticket extractor, run through Dagster against the demo API over real HTTP.

Tickets are placed by hand on the spring-forward day 2024-03-31 (23 h in Paris) and on an
ordinary day, at the exact local midnights, so a window computed in UTC or as 24 hours
would move tickets between days. The API also returns the requester's email and subject:
neither may reach BigQuery.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import dagster as dg
import pytest

from analytics_assets.demo.config import SUPPORT_API_TOKEN_ENV
from analytics_assets.demo.extractors.support_ticket import SupportTicketExtractor
from analytics_assets.sources.http_api import HttpApi
from analytics_assets.testing import Materialized, materialize, table_rows
from analytics_assets_tests.dates import day
from analytics_assets_tests.http_servers import demo_api, queue_faults

__all__ = ["demo_api"]

UTC = dt.UTC
SECRET = "tickets-s3cr3t-4f9a"


def _ticket(opened_at: str, **fields):
    from analytics_assets.demo.shop.models import SupportTicket

    defaults = {
        "requester_email": "ada.martin@example.com",
        "subject": "Where is my order?",
        "channel": "email",
        "priority": "normal",
        "status": "open",
    }
    return SupportTicket.objects.create(
        opened_at=dt.datetime.fromisoformat(opened_at), **{**defaults, **fields}
    )


@pytest.fixture
def desk(demo_api, settings, monkeypatch) -> dict[str, int]:
    """Tickets at and around the local midnights of 12 March and 31 March 2024; API ids."""
    settings.DEMO_API_TOKEN = SECRET
    monkeypatch.setenv(SUPPORT_API_TOKEN_ENV, SECRET)
    placed = {
        "before_12": _ticket("2024-03-11T23:59:59.999999+01:00"),
        "start_12": _ticket(
            "2024-03-12T00:00:00+01:00",
            status="solved",
            first_response_at=dt.datetime.fromisoformat("2024-03-12T00:45:30+01:00"),
            solved_at=dt.datetime.fromisoformat("2024-03-12T09:00:00+01:00"),
            refund=Decimal("19.90"),
        ),
        "start_31": _ticket("2024-03-31T00:00:00+01:00", channel="chat", priority="urgent"),
        "jump_31": _ticket(
            "2024-03-31T03:00:00+02:00",  # the first instant after clocks jump 2:00 -> 3:00
            channel="phone",
            status="pending",
            first_response_at=dt.datetime.fromisoformat("2024-03-31T03:02:15+02:00"),
        ),
        "end_31": _ticket("2024-03-31T23:59:59+02:00", priority="high"),
        "start_01": _ticket("2024-04-01T00:00:00+02:00"),  # 31 March 22:00 UTC
    }
    return {name: ticket.id for name, ticket in placed.items()}


def _materialize(
    warehouse, base_url: str, first: str, *, raise_on_error=True, instance=None, **config
):
    api = HttpApi(
        base_url=base_url,
        token=dg.EnvVar(SUPPORT_API_TOKEN_ENV),
        backoff_seconds=0.05,
        **config,
    )
    return materialize(
        [SupportTicketExtractor],
        warehouse,
        first,
        raise_on_error=raise_on_error,
        instance=instance,
        sources={"support_api": api},
    )


def _row(date: str, opened_utc: dt.datetime, ticket_id: int, **fields) -> dict:
    defaults = {
        "channel": "email",
        "priority": "normal",
        "status": "open",
        "minutes_to_first_response": None,
        "refund": None,
    }
    return {
        "date": day(date),
        "timestamp": opened_utc,
        "ticket_id": ticket_id,
        **defaults,
        **fields,
    }


def test_a_normal_day_and_a_dst_day_hold_exactly_the_api_s_tickets(
    warehouse, bq_client, demo_api, desk
):
    _materialize(warehouse, demo_api, "2024-03-12")
    _materialize(warehouse, demo_api, "2024-03-31")
    columns = [f.name for f in bq_client.get_table(warehouse.table_id("support_ticket")).schema]
    assert columns == [
        "date",
        "timestamp",
        "ticket_id",
        "channel",
        "priority",
        "status",
        "minutes_to_first_response",
        "refund",
    ]
    assert sorted(table_rows(warehouse, "support_ticket"), key=lambda r: r["timestamp"]) == [
        _row(
            "2024-03-12",
            dt.datetime(2024, 3, 11, 23, 0, tzinfo=UTC),
            desk["start_12"],
            status="solved",
            minutes_to_first_response=45.5,
            refund=Decimal("19.90"),
        ),
        _row(
            "2024-03-31",
            dt.datetime(2024, 3, 30, 23, 0, tzinfo=UTC),
            desk["start_31"],
            channel="chat",
            priority="urgent",
        ),
        _row(
            "2024-03-31",
            dt.datetime(2024, 3, 31, 1, 0, tzinfo=UTC),
            desk["jump_31"],
            channel="phone",
            status="pending",
            minutes_to_first_response=2.25,
        ),
        _row(
            "2024-03-31",
            dt.datetime(2024, 3, 31, 21, 59, 59, tzinfo=UTC),
            desk["end_31"],
            priority="high",
        ),
    ]


def _recorded(instance: dg.DagsterInstance, run: Materialized) -> str:
    """Everything the run stored: log lines, events, metadata, errors, and its run config."""
    result = run.dagster_result
    entries = instance.all_logs(result.run_id)
    return "\n".join([repr(entry) for entry in entries] + [repr(result.dagster_run.run_config)])


def test_an_api_that_keeps_failing_leaves_the_day_unwritten_and_names_url_status_attempts(
    warehouse, demo_api, desk
):
    _materialize(warehouse, demo_api, "2024-03-12")
    before = table_rows(warehouse, "support_ticket")
    queue_faults(demo_api, *[{"status": 503}] * 3)
    result = _materialize(warehouse, demo_api, "2024-03-12", raise_on_error=False, max_attempts=3)
    assert not result.success
    (failure,) = result.dagster_result.get_step_failure_events()
    error = failure.step_failure_data.error
    message = error.to_string() if error else ""
    assert "extractor 'support_ticket' failed on day 2024-03-12" in message
    assert f"GET {demo_api}/api/tickets/?opened_after=2024-03-12T00:00:00+01:00" in message
    assert "gave up after 3 attempts" in message
    assert "last: 503 Service Unavailable" in message
    assert table_rows(warehouse, "support_ticket") == before


def test_the_token_appears_nowhere_in_the_run_s_events_errors_or_config(warehouse, demo_api, desk):
    instance = dg.DagsterInstance.ephemeral()
    ok = _materialize(warehouse, demo_api, "2024-03-31", instance=instance)
    queue_faults(demo_api, *[{"status": 500}] * 2)
    failed = _materialize(
        warehouse, demo_api, "2024-03-12", raise_on_error=False, instance=instance, max_attempts=2
    )
    assert ok.success and not failed.success
    recorded = _recorded(instance, ok) + _recorded(instance, failed)
    assert "retrying in" in recorded and "gave up after 2 attempts" in recorded
    assert SECRET not in recorded


def test_the_demo_names_its_api_token_by_variable_even_when_the_variable_is_unset(monkeypatch):
    from analytics_assets.demo.config import load_demo_settings
    from analytics_assets.demo.resources import demo_source_resources

    monkeypatch.setenv(SUPPORT_API_TOKEN_ENV, "restored after the test")
    monkeypatch.delenv(SUPPORT_API_TOKEN_ENV)
    demo = load_demo_settings({})
    api = demo_source_resources(demo)["support_api"]
    assert api.token == dg.EnvVar(SUPPORT_API_TOKEN_ENV)  # the UI shows the name, no token
    assert os.environ[SUPPORT_API_TOKEN_ENV] == demo.api_token  # what runs resolve it to
