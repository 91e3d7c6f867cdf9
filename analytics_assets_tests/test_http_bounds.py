"""Every HTTP listing is bounded, against real servers on 127.0.0.1: APIs that would page forever
(a repeated cursor, a page that is its own next, a page parameter ignored, no end at all),
a wrong total, a server dripping its answer; and no secret of a request reaches an error.
"""

from __future__ import annotations

import time
import tracemalloc
from typing import Any

import pytest

from analytics_assets.sources.http_api import HttpApi, HttpApiConfigError
from analytics_assets.sources.http_retry import HttpApiError, HttpApiGaveUp
from analytics_assets.sources.listing import PagingError
from analytics_assets.sources.pagination import NextCursor, NextUrl, OffsetLimit, PageNumber
from analytics_assets_tests.http_servers import dripping_server, json_server, open_api

ITEMS = [{"id": 1}, {"id": 2}]


def _list(url: str, path: str, pagination: Any, **config: Any) -> list[Any]:
    with open_api(url, token="t0ken-value", **config) as api:
        return list(api.items(path, pagination))


def test_a_cursor_the_api_repeats_stops_the_listing_at_the_repeat():
    def answer(path, query, headers):
        return 200, {"results": [{"id": query.get("cursor", "first")}], "next_cursor": "abc"}

    with json_server(answer) as server, pytest.raises(PagingError) as raised:
        _list(server.url, "/items", NextCursor())
    assert str(raised.value) == (
        "GET /items: page 3 would ask for /items?cursor=abc again (the API repeated its "
        "cursor or next URL): paging would never end"
    )
    assert server.requests == ["/items", "/items?cursor=abc"]


def test_a_next_url_is_followed_with_its_own_query_over_several_pages():
    def answer(path, query, headers):
        page = int(query.get("page", "1"))
        following = f"{base}/items?page={page + 1}&size=1" if page < 3 else None
        return 200, {"results": [{"id": page}], "next": following}

    with json_server(answer) as server:
        base = server.url
        assert _list(server.url, "/items", NextUrl()) == [{"id": 1}, {"id": 2}, {"id": 3}]
    assert server.requests == ["/items", "/items?page=2&size=1", "/items?page=3&size=1"]


def test_a_page_that_names_itself_as_next_stops_the_listing():
    def answer(path, query, headers):
        page = int(query.get("page", "1"))
        return 200, {"results": [{"id": page}], "next": f"{base}/items?page={max(page, 2)}"}

    with json_server(answer) as server, pytest.raises(PagingError, match="page 3 would ask for"):
        base = server.url
        _list(server.url, "/items", NextUrl())
    assert server.requests == ["/items", "/items?page=2"]


@pytest.mark.parametrize("total", [None, "count"], ids=["page-by-page", "concurrent-pages"])
def test_an_api_ignoring_the_page_parameter_stops_at_the_second_page(total):
    def answer(path, query, headers):
        return 200, {"results": ITEMS, "count": 10}

    with json_server(answer) as server, pytest.raises(PagingError) as raised:
        _list(server.url, "/items", PageNumber(page_size=2, total=total))
    assert str(raised.value) == (
        "GET /items: page 2 is exactly the answer of page 1 (the API ignores the paging "
        "parameter?): paging would never end"
    )


def test_pages_of_alike_items_that_say_which_page_they_are_are_all_read():
    """Tickets without an id can be alike from one page to the next: the answers still
    differ (their page number), so the API is not ignoring the page parameter."""

    def answer(path, query, headers):
        page = int(query["page"])
        items = [{"channel": "email"}] * 2 if page < 3 else [{"channel": "email"}]
        return 200, {"page": page, "results": items}

    with json_server(answer) as server:
        listed = _list(server.url, "/items", PageNumber(page_size=2, total=None))
    assert len(listed) == 5


def test_an_api_that_never_ends_stops_at_the_page_cap():
    def answer(path, query, headers):
        cursor = int(query.get("cursor", "0"))
        return 200, {"results": [{"id": cursor}], "next_cursor": str(cursor + 1)}

    with json_server(answer) as server, pytest.raises(PagingError) as raised:
        _list(server.url, "/items", NextCursor(), max_pages=5)
    assert str(raised.value).startswith(
        "GET /items: more than 5 pages (max_pages) and the API still has a next page"
    )
    assert len(server.requests) == 5


def test_a_total_announcing_more_pages_than_the_cap_is_refused_after_the_first_page():
    def answer(path, query, headers):
        return 200, {"results": [{"id": query["page"]}] * 2, "count": 10**7}

    with json_server(answer) as server, pytest.raises(PagingError) as raised:
        _list(server.url, "/items", PageNumber(page_size=2))
    assert str(raised.value) == (
        "GET /items: the first answer announces 5,000,000 pages, more than max_pages "
        "(10,000): its total is wrong, or raise max_pages"
    )
    assert len(server.requests) == 1


def test_an_absurd_total_is_refused_as_any_total_over_the_cap_is():
    def answer(path, query, headers):
        return 200, {"results": [{"id": query["offset"]}] * 2, "count": 2**70}

    with json_server(answer) as server, pytest.raises(PagingError) as raised:
        _list(server.url, "/items", OffsetLimit(limit=2))
    assert str(raised.value) == (
        f"GET /items: the first answer announces {2**69:,} pages, more than max_pages "
        "(10,000): its total is wrong, or raise max_pages"
    )


def test_the_pages_of_a_huge_total_are_made_as_they_are_fetched_not_up_front():
    """10^7 items in pages of 2 (5 million page requests): the listing holds a few at a time."""

    def answer(path, query, headers):
        page = int(query["page"])
        if page > 20:
            return 404, {"detail": "no such page"}
        return 200, {"results": [{"id": page * 2}, {"id": page * 2 + 1}], "count": 10**7}

    with json_server(answer) as server:
        tracemalloc.start()
        try:
            with pytest.raises(HttpApiError, match="404 Not Found, not retried"):
                _list(server.url, "/items", PageNumber(page_size=2), max_pages=10**8)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    # 5 million PageRequests would take gigabytes; the listing asks at most 2 x 4 ahead.
    assert peak < 20 * 2**20
    assert len(server.requests) <= 21 + 2 * 4


def test_a_server_dripping_its_answer_is_cut_at_the_request_deadline():
    body = b'{"results": [{"id": 1}], "next": null}' + b" " * 100
    with dripping_server(body, interval=0.25) as server:
        started = time.monotonic()
        with pytest.raises(HttpApiGaveUp) as raised:
            _list(
                f"http://127.0.0.1:{server.server_address[1]}",
                "/items",
                NextUrl(),
                timeout_seconds=1,
                deadline_seconds=1.5,
                max_attempts=2,
                backoff_seconds=0,
            )
        elapsed = time.monotonic() - started
    # Each byte comes within the 1 s read timeout: only the deadline ends each attempt.
    assert str(raised.value).endswith(
        "last: ReadTimeout: no complete answer within 1.5 s (the request deadline, "
        "deadline_seconds)"
    )
    assert "gave up after 2 attempts" in str(raised.value)
    assert server.connections == 2
    assert elapsed < 10  # two deadlines of 1.5 s, not the 42 s the drip would take


def test_an_error_body_echoing_the_token_and_a_secret_parameter_shows_neither():
    secret_key = "k3y-Value+9/8"

    def answer(path, query, headers):
        return 401, {"detail": f"bad credentials {headers.get('Authorization')} for {query}"}

    with (
        json_server(answer) as server,
        open_api(server.url, token="t0ken-value") as api,
        pytest.raises(HttpApiError) as refused,
    ):
        api.get_json("/items", {"api_key": secret_key, "day": "2024-01-01"})
    message = str(refused.value)
    assert message.startswith(
        f"GET {server.url}/items?api_key=***&day=2024-01-01: 401 Unauthorized, not retried: "
    )
    assert "t0ken-value" not in message and secret_key not in message
    assert "Bearer ***" in message and "'api_key': '***'" in message


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://user:pa55word@desk.example.com", "the URL holds user info"),
        ("https://desk.example.com/?api_token=pa55word", "the URL holds a query or a fragment"),
        # outside any word list of credential names, and a fragment, and no scheme at all
        ("https://desk.example.com/?sig=pa55word", "the URL holds a query or a fragment"),
        ("https://desk.example.com/#access_token=pa55word", "the URL holds a query or a fragment"),
        ("apiuser:pa55word@desk.example.com", "it is not an http(s) URL"),
    ],
)
def test_an_http_api_whose_url_holds_credentials_is_refused_without_echoing_them(url, problem):
    with pytest.raises(HttpApiConfigError) as raised:
        HttpApi(base_url=url)
    assert problem in str(raised.value)
    assert "pa55word" not in str(raised.value)
    assert "ANALYTICS_<NAME>_TOKEN" in str(raised.value)
