"""Cumulative users of the demo shop, split into prospects and clients."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, Q

from analytics_assets.extract import DateAggregatedExtractor, column


@dataclass
class User:
    users: int = column(differentiate=True, description="users who joined before the day ended")
    prospects: int = column(differentiate=True, description="users who are not clients yet")
    clients: int = column(differentiate=True, description="users who became clients")


class UserExtractor(DateAggregatedExtractor[User]):
    """Users, prospects and clients at the end of each local day (cumulative counts)."""

    def extract(self, start: dt.datetime, end: dt.datetime) -> Iterator[User]:
        from analytics_assets.demo.shop.models import Customer

        counts = Customer.objects.filter(date_joined__lt=end).aggregate(
            users=Count("id"), clients=Count("id", filter=Q(client_since__lt=end))
        )
        yield User(
            users=counts["users"],
            prospects=counts["users"] - counts["clients"],
            clients=counts["clients"],
        )
