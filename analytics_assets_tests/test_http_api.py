"""The HttpApi resource against real HTTP servers on 127.0.0.1: paging, rate, retries, give-up.

The demo project's JSON API is served by Django's threaded server on a free port; it answers
429/5xx or slow answers on demand and journals when each request arrived, so the waits and
the rate are measured where they matter, on the server.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import logging
import re
from typing import Any

import pytest

from analytics_assets.demo.tickets import seed_tickets
from analytics_assets.sources.http_retry import HttpApiError, HttpApiGaveUp
from analytics_assets.sources.pagination import NextCursor, NextUrl, OffsetLimit, PageNumber
from analytics_assets_tests.http_servers import (
    PARIS,
    arrivals,
    demo_api,
    open_api,
    queue_faults,
    resetting_server,
    window_params,
)

__all__ = ["demo_api"]

BUSY_DAY = "2024-03-31"
FAST_RETRIES: dict[str, Any] = {"backoff_seconds": 0.05}


@pytest.fixture
def busy_day_ids(demo_api) -> list[int]:
    """About 25 tickets opened on the 23-hour day 2024-03-31 (Paris), in the API's order."""
    from analytics_assets.demo.shop.models import SupportTicket

    day = dt.date.fromisoformat(BUSY_DAY)
    seed_tickets(day, day, seed=1, scale=5, tz=PARIS)
    ids = list(SupportTicket.objects.order_by("opened_at", "id").values_list("id", flat=True))
    assert len(ids) > 10
    return ids


def _listed_ids(base_url: str, path: str, pagination, **config) -> list[int]:
    with open_api(base_url, **config) as api:
        return [item["id"] for item in api.items(path, pagination, window_params(BUSY_DAY))]


@pytest.mark.parametrize(
    ("path", "pagination"),
    [
        ("/api/tickets/", PageNumber(page_size=4)),
        ("/api/tickets/", PageNumber(page_size=4, total=None)),
        ("/api/tickets/", OffsetLimit(limit=4)),
        ("/api/tickets/", NextUrl()),
        ("/api/tickets/cursor/", NextCursor(page_params={"page_size": 4})),
    ],
    ids=["page-number", "page-number-without-total", "offset-limit", "next-url", "next-cursor"],
)
def test_each_pagination_style_lists_every_item_once_in_order(
    demo_api, busy_day_ids, path, pagination
):
    assert _listed_ids(demo_api, path, pagination) == busy_day_ids


def test_concurrent_pages_never_exceed_the_configured_rate(demo_api, busy_day_ids):
    listed = _listed_ids(
        demo_api, "/api/tickets/", PageNumber(page_size=2), max_requests_per_second=5
    )
    assert listed == busy_day_ids
    times = arrivals()
    assert len(times) == -(-len(busy_day_ids) // 2)
    # No window shorter than a second holds more than 5 requests (50 ms of slack for jitter).
    busiest = max(sum(1 for t in times if start <= t < start + 0.95) for start in times)
    assert busiest <= 5
    assert (len(times) - 1) / (times[-1] - times[0]) <= 5.0


def test_a_429_waits_what_retry_after_asks_then_succeeds(demo_api, busy_day_ids, caplog):
    queue_faults(demo_api, {"status": 429, "retry_after": 2})
    with caplog.at_level(logging.WARNING):
        listed = _listed_ids(demo_api, "/api/tickets/", PageNumber(page_size=100))
    assert listed == busy_day_ids
    first, second = arrivals()
    assert second - first >= 2.0
    assert "429 Too Many Requests; attempt 1 of 8, retrying in 2.0 s (Retry-After)" in caplog.text


def test_a_retry_after_shorter_than_the_backoff_is_a_minimum_not_a_replacement(
    demo_api, busy_day_ids
):
    queue_faults(demo_api, {"status": 429, "retry_after": 0}, {"status": 503, "retry_after": 0})
    listed = _listed_ids(demo_api, "/api/tickets/", PageNumber(page_size=100), backoff_seconds=0.4)
    assert listed == busy_day_ids
    first, second, third = arrivals()
    # backoff 0.4 s then 0.8 s, each with ±50 % jitter: never the 0 s the API asked for.
    assert second - first >= 0.2
    assert third - second >= 0.4


def test_server_errors_are_retried_until_the_api_answers(demo_api, busy_day_ids):
    queue_faults(demo_api, {"status": 500}, {"status": 502}, {"status": 503})
    listed = _listed_ids(demo_api, "/api/tickets/", PageNumber(page_size=100), **FAST_RETRIES)
    assert listed == busy_day_ids
    assert len(arrivals()) == 4


def test_a_timeout_is_retried(demo_api, busy_day_ids):
    queue_faults(demo_api, {"delay_seconds": 2})
    listed = _listed_ids(
        demo_api,
        "/api/tickets/",
        PageNumber(page_size=100),
        timeout_seconds=0.5,
        **FAST_RETRIES,
    )
    assert listed == busy_day_ids
    assert len(arrivals()) == 2


def test_a_reset_connection_is_retried():
    answer = json.dumps({"results": [{"id": 1}], "next": None}).encode()
    with resetting_server(resets=2, body=answer) as server:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with open_api(url, **FAST_RETRIES) as api:
            assert list(api.items("/tickets", NextUrl())) == [{"id": 1}]
    assert server.connections == 3


def test_retries_give_up_after_the_attempt_limit_naming_url_status_and_attempts(demo_api):
    queue_faults(demo_api, *[{"status": 503}] * 5)
    params = {"opened_after": "2024-03-31T00:00:00+01:00"}
    api_opened = open_api(demo_api, max_attempts=3, **FAST_RETRIES)
    with api_opened as api, pytest.raises(HttpApiGaveUp) as raised:
        api.get_json("/api/tickets/", params)
    assert re.fullmatch(
        rf"GET {re.escape(demo_api)}/api/tickets/\?opened_after=2024-03-31T00:00:00\+01:00: "
        r"gave up after 3 attempts in \d+\.\d s \(limits: 3 attempts, 300 s\); "
        r"last: 503 Service Unavailable",
        str(raised.value),
    )
    assert len(arrivals()) == 3


def test_retries_give_up_at_once_when_retry_after_passes_the_time_limit(demo_api):
    queue_faults(demo_api, {"status": 429, "retry_after": 120})
    asked_to_wait = r"the API asked to wait 120 s \(Retry-After\)"
    api_opened = open_api(demo_api, give_up_after_seconds=10)
    with api_opened as api, pytest.raises(HttpApiGaveUp, match=asked_to_wait):
        api.get_json("/api/tickets/")
    assert len(arrivals()) == 1


def test_a_refused_token_fails_at_once_without_retrying(demo_api):
    with open_api(demo_api, token="wrong-token") as api, pytest.raises(HttpApiError) as raised:
        api.get_json("/api/tickets/", window_params(BUSY_DAY))
    assert "401 Unauthorized, not retried" in str(raised.value)
    assert len(arrivals()) == 1


def test_the_token_never_appears_in_errors_or_logs(demo_api, caplog, settings):
    secret = "s3cr3t-token-value"
    settings.DEMO_API_TOKEN = secret
    queue_faults(demo_api, *[{"status": 503}] * 3)
    params = {"api_key": secret, **window_params(BUSY_DAY)}
    api_opened = open_api(demo_api, token=secret, max_attempts=3)
    with caplog.at_level(logging.DEBUG), api_opened as api, pytest.raises(HttpApiGaveUp) as raised:
        api.get_json("/api/tickets/", params)
    assert "api_key=***" in str(raised.value)
    assert secret not in str(raised.value)
    assert secret not in caplog.text
    assert "retrying" in caplog.text


def test_a_next_url_on_another_host_is_refused_so_the_token_stays_home(demo_api):
    answer = json.dumps({"results": [{"id": 1}], "next": "http://evil.example/x"}).encode()
    with resetting_server(resets=0, body=answer) as server:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with open_api(url) as api, pytest.raises(HttpApiError, match="another host"):
            list(api.items("/tickets", NextUrl()))


def test_an_answer_without_the_declared_items_names_what_it_has(demo_api):
    with open_api(demo_api) as api, pytest.raises(ValueError) as raised:
        list(api.items("/api/tickets/", NextUrl(items="data.items"), window_params(BUSY_DAY)))
    assert str(raised.value) == (
        "the answer has no 'data.items' (it has: ['count', 'next', 'previous', 'results'])"
    )


def test_each_listing_is_logged_at_debug_and_the_run_gets_one_info_summary(
    demo_api, busy_day_ids, caplog
):
    with caplog.at_level(logging.DEBUG, logger="dagster"), open_api(demo_api) as api:
        for _ in range(3):  # three days of a catch-up
            list(api.items("/api/tickets/", PageNumber(page_size=10), window_params(BUSY_DAY)))
    pages, items = -(-len(busy_day_ids) // 10), len(busy_day_ids)
    ours = [r for r in caplog.records if r.name.startswith("dagster")]
    per_listing = [r for r in ours if r.getMessage().startswith("GET /api/tickets/:")]
    assert [r.levelno for r in per_listing] == [logging.DEBUG] * 3
    assert (
        per_listing[0]
        .getMessage()
        .startswith(f"GET /api/tickets/: {pages} pages, {items} items, 0 retries in ")
    )
    (summary,) = [r for r in ours if r.levelno == logging.INFO]
    assert summary.getMessage().startswith(
        f"{demo_api}: 3 listings, {3 * pages} pages, {3 * items} items, 0 retries in "
    )


def test_client_requests_carry_the_user_agent_and_json_accept(demo_api):
    from analytics_assets.demo.api_faults import journal

    with open_api(demo_api) as api:
        api.get_json("/api/tickets/", window_params(BUSY_DAY))
    (entry,) = journal.entries()
    version = importlib.metadata.version("analytics-assets")
    assert entry.headers["HTTP_USER_AGENT"] == f"analytics-assets/{version} (Dagster extractor)"
    assert entry.headers["HTTP_ACCEPT"] == "application/json"
    assert "HTTP_AUTHORIZATION" not in entry.headers  # the demo API never keeps the token
