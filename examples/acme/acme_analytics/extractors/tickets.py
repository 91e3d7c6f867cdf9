"""Support tickets opened each local day, read from the help desk's HTTP API."""

import datetime as dt
from dataclasses import dataclass

from analytics_assets.extract import (
    HttpApi,
    IndividualRowsExtractor,
    PageNumber,
    http_api,
    rows_from_items,
)

HELPDESK = http_api("helpdesk")


@dataclass
class Ticket:
    timestamp: dt.datetime
    channel: str


class TicketExtractor(IndividualRowsExtractor[Ticket]):
    """Tickets opened during each local day (their subject stays in the help desk)."""

    source = HELPDESK

    def extract(self, start, end):
        api: HttpApi = self.resources[HELPDESK.name]
        items = api.items(
            "/api/tickets/",
            PageNumber(page_size=50),
            params={"opened_after": start.isoformat(), "opened_before": end.isoformat()},
        )
        return rows_from_items(Ticket, items, fields={"timestamp": "opened_at"})
