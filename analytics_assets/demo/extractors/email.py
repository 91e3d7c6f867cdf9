"""Every email the demo shop sent, without any personal data (no address, no subject)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from analytics_assets.extract import IndividualRowsExtractor, column


@dataclass
class Email:
    timestamp: dt.datetime = column(description="when the email was sent")
    kind: str = column(description="welcome, invoice, newsletter or reminder")
    opened: bool = column(description="whether the recipient opened it (as last seen)")
    bounced: bool = column(description="whether it bounced")


class EmailExtractor(IndividualRowsExtractor[Email]):
    """One row per email sent: when, which kind, whether it was opened or bounced."""

    def extract(self, start: dt.datetime, end: dt.datetime) -> Iterator[Email]:
        from analytics_assets.demo.shop.models import EmailMessage

        sent = (
            EmailMessage.objects.filter(sent_at__gte=start, sent_at__lt=end)
            .order_by("sent_at", "id")
            .values_list("sent_at", "kind", "opened", "bounced")
        )
        for sent_at, kind, opened, bounced in sent.iterator(chunk_size=10_000):
            yield Email(timestamp=sent_at, kind=kind, opened=opened, bounced=bounced)
