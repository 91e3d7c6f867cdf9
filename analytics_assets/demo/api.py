"""The demo support desk's JSON API: tickets of a time window, in three pagination styles.

``GET /api/tickets/?opened_after=…&opened_before=…`` lists the tickets opened in
``[opened_after, opened_before)`` (ISO 8601 instants with an offset), ordered by opening
time, paged by ``page``/``page_size`` (the default) or ``offset``/``limit``, with a ``count``
and a ``next`` URL; ``GET /api/tickets/cursor/`` pages the same list by an opaque
``next_cursor``. Every request needs ``Authorization: Bearer <token>``. Items carry
personal data (requester email, subject) on purpose: extractors must leave it behind.
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import json
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from analytics_assets.demo.api_faults import Fault, faults, journal

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


class BadQuery(ValueError):
    """A query parameter the API cannot use; answered with 400 and the reason."""


def _param(request: HttpRequest, name: str) -> str | None:
    value = request.GET.get(name)
    return value if isinstance(value, str) else None


def _request_headers(request: HttpRequest) -> dict[str, str]:
    return {key: str(value) for key, value in request.META.items() if key.startswith("HTTP_")}


def _authorized(request: HttpRequest) -> bool:
    expected = f"Bearer {settings.DEMO_API_TOKEN}"
    given = str(request.META.get("HTTP_AUTHORIZATION", ""))
    return hmac.compare_digest(given.encode(), expected.encode())


def api_endpoint(handler: Callable[[HttpRequest], HttpResponse]) -> Callable[..., HttpResponse]:
    """Journal the request, check the token, apply a queued fault, answer 400 on a bad query."""

    @csrf_exempt
    @wraps(handler)
    def endpoint(request: HttpRequest) -> HttpResponse:
        journal.record(request.get_full_path(), _request_headers(request))
        if not _authorized(request):
            return JsonResponse({"detail": "missing or invalid bearer token"}, status=401)
        if not request.path.startswith("/api/faults"):
            fault = faults.next_fault()
            if fault is not None:
                time.sleep(fault.delay_seconds)
                if fault.status is not None:
                    return _fault_response(fault)
        try:
            return handler(request)
        except BadQuery as error:
            return JsonResponse({"detail": str(error)}, status=400)

    return endpoint


def _fault_response(fault: Fault) -> JsonResponse:
    response = JsonResponse({"detail": "simulated failure"}, status=fault.status)
    if fault.retry_after is not None:
        response["Retry-After"] = fault.retry_after
    return response


@api_endpoint
def fault_queue(request: HttpRequest) -> HttpResponse:
    """``POST {"faults": [{"status": 429, "retry_after": 1}, …]}`` queues; ``DELETE`` clears."""
    if request.method == "DELETE":
        faults.clear()
        return JsonResponse({"queued": 0})
    if request.method != "POST":
        return JsonResponse({"detail": "use POST or DELETE"}, status=405)
    try:
        queued = [Fault.from_json(item) for item in json.loads(request.body)["faults"]]
    except (ValueError, KeyError, TypeError) as error:
        raise BadQuery(f"expected {{'faults': [{{'status': …}}]}}: {error}") from error
    faults.extend(queued)
    return JsonResponse({"queued": len(queued)})


def _instant(request: HttpRequest, name: str) -> dt.datetime:
    raw = _param(request, name)
    if raw is None:
        raise BadQuery(f"{name} is required (an ISO 8601 instant with an offset)")
    try:
        instant = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise BadQuery(f"{name}={raw!r} is not an ISO 8601 instant") from None
    if instant.tzinfo is None:
        raise BadQuery(f"{name}={raw!r} has no UTC offset")
    return instant


def _count(request: HttpRequest, name: str, default: int, lowest: int, highest: int) -> int:
    raw = _param(request, name) or str(default)
    try:
        value = int(raw)
    except ValueError:
        raise BadQuery(f"{name}={raw!r} is not an integer") from None
    if not lowest <= value <= highest:
        raise BadQuery(f"{name}={value} is out of range ({lowest} to {highest})")
    return value


def _tickets(request: HttpRequest) -> QuerySet:
    from analytics_assets.demo.shop.models import SupportTicket

    after, before = _instant(request, "opened_after"), _instant(request, "opened_before")
    return SupportTicket.objects.filter(opened_at__gte=after, opened_at__lt=before).order_by(
        "opened_at", "id"
    )


def _iso(instant: dt.datetime | None) -> str | None:
    return None if instant is None else instant.astimezone(dt.UTC).isoformat()


def _item(ticket: Any) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "opened_at": _iso(ticket.opened_at),
        "channel": ticket.channel,
        "priority": ticket.priority,
        "status": ticket.status,
        "first_response_at": _iso(ticket.first_response_at),
        "solved_at": _iso(ticket.solved_at),
        "refund": None if ticket.refund is None else str(ticket.refund),
        "requester_email": ticket.requester_email,
        "subject": ticket.subject,
    }


def _url_with(request: HttpRequest, **changes: int) -> str:
    query = request.GET.copy()
    for name, value in changes.items():
        query[name] = str(value)
    return str(request.build_absolute_uri(f"{request.path}?{query.urlencode()}"))


@api_endpoint
def ticket_list(request: HttpRequest) -> HttpResponse:
    """Page-number (``page``, ``page_size``) or offset (``offset``, ``limit``) pagination."""
    tickets = _tickets(request)
    count = tickets.count()
    if "offset" in request.GET or "limit" in request.GET:
        size = _count(request, "limit", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
        offset = _count(request, "offset", 0, 0, 10**9)
        following = {"offset": offset + size}
        previous = {"offset": max(offset - size, 0)} if offset else None
    else:
        size = _count(request, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
        page = _count(request, "page", 1, 1, 10**9)
        offset = (page - 1) * size
        following = {"page": page + 1}
        previous = {"page": page - 1} if page > 1 else None
    return JsonResponse(
        {
            "count": count,
            "next": _url_with(request, **following) if offset + size < count else None,
            "previous": None if previous is None else _url_with(request, **previous),
            "results": [_item(ticket) for ticket in tickets[offset : offset + size]],
        }
    )


def _encode_cursor(ticket: Any) -> str:
    return base64.urlsafe_b64encode(f"{_iso(ticket.opened_at)}|{ticket.id}".encode()).decode()


def _after_cursor(tickets: QuerySet, cursor: str) -> QuerySet:
    try:
        opened_at, ticket_id = base64.urlsafe_b64decode(cursor).decode().split("|")
        instant, key = dt.datetime.fromisoformat(opened_at), int(ticket_id)
    except ValueError:
        raise BadQuery(f"cursor={cursor!r} is not a cursor this API gave out") from None
    return tickets.filter(Q(opened_at__gt=instant) | Q(opened_at=instant, id__gt=key))


@api_endpoint
def ticket_cursor_list(request: HttpRequest) -> HttpResponse:
    """Keyset pagination: pass back ``next_cursor`` as ``cursor`` until it is null."""
    tickets = _tickets(request)
    cursor = _param(request, "cursor")
    if cursor:
        tickets = _after_cursor(tickets, cursor)
    size = _count(request, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    page = list(tickets[: size + 1])
    more = len(page) > size
    page = page[:size]
    return JsonResponse(
        {
            "results": [_item(ticket) for ticket in page],
            "next_cursor": _encode_cursor(page[-1]) if more else None,
        }
    )
