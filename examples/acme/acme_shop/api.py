"""The help desk API: tickets opened in a window, a page at a time, behind a bearer token."""

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.dateparse import parse_datetime

from acme_shop.models import Ticket

PAGE_SIZE = 50


def tickets(request: HttpRequest) -> JsonResponse:
    if request.headers.get("Authorization") != f"Bearer {settings.HELPDESK_TOKEN}":
        return JsonResponse({"detail": "unauthorized"}, status=401)
    after = parse_datetime(request.GET["opened_after"])
    before = parse_datetime(request.GET["opened_before"])
    page = int(request.GET.get("page", "1"))
    found = Ticket.objects.filter(opened_at__gte=after, opened_at__lt=before).order_by("id")
    rows = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return JsonResponse(
        {
            "count": found.count(),
            "results": [
                {"id": t.id, "opened_at": t.opened_at.isoformat(), "channel": t.channel}
                for t in rows
            ],
        }
    )
