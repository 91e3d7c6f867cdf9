"""Tickets of the support desk, read from its JSON API: no requester email, no subject."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from analytics_assets.extract import IndividualRowsExtractor, column, http_api
from analytics_assets.sources.http_api import HttpApi
from analytics_assets.sources.json_rows import rows_from_items
from analytics_assets.sources.pagination import PageNumber

#: The demo support desk's API (ANALYTICS_SUPPORT_API_URL / _TOKEN outside the demo).
SUPPORT_API = http_api("support_api")


@dataclass
class SupportTicket:
    timestamp: dt.datetime = column(description="when the ticket was opened")
    ticket_id: int = column(description="the ticket's id in the support desk")
    channel: str = column(description="email, chat or phone")
    priority: str = column(description="low, normal, high or urgent")
    status: str = column(description="open, pending (answered) or solved, when extracted")
    minutes_to_first_response: float | None = column(
        description="minutes from opening to the first answer; NULL while unanswered"
    )
    refund: Decimal | None = column(description="amount refunded when solved, if any")


def minutes_to_first_response(item: Mapping[str, Any]) -> float | None:
    answered = item["first_response_at"]
    if answered is None:
        return None
    opened = dt.datetime.fromisoformat(item["opened_at"])
    return (dt.datetime.fromisoformat(answered) - opened) / dt.timedelta(minutes=1)


class SupportTicketExtractor(IndividualRowsExtractor[SupportTicket]):
    """One row per support ticket opened that day: channel, priority, status, response time."""

    source = SUPPORT_API

    def extract(self, start: dt.datetime, end: dt.datetime) -> Iterator[SupportTicket]:
        api: HttpApi = self.resources[SUPPORT_API.name]
        items = api.items(
            "/api/tickets/",
            PageNumber(page_size=200),
            params={"opened_after": start.isoformat(), "opened_before": end.isoformat()},
        )
        return rows_from_items(
            SupportTicket,
            items,
            fields={
                "timestamp": "opened_at",
                "ticket_id": "id",
                "minutes_to_first_response": minutes_to_first_response,
            },
        )
