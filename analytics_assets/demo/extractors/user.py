"""Cumulative users of the demo shop, split into prospects and clients."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from analytics_assets.extract import DateAggregatedExtractor, column


@dataclass
class User:
    users: int = column(differentiate=True, description="users who joined before the day ended")
    # users - clients: falls whenever more prospects convert than users join (not monotonic)
    prospects: int = column(
        differentiate=True, monotonic=False, description="users who are not clients yet"
    )
    clients: int = column(differentiate=True, description="users who became clients")


class UserExtractor(DateAggregatedExtractor[User]):
    """Users, prospects and clients at the end of each local day (cumulative counts)."""

    def extract(self, start: dt.datetime, end: dt.datetime) -> Iterator[User]:
        from django.db.models import Count, Q

        from analytics_assets.demo.shop.models import Customer

        counts = Customer.objects.filter(date_joined__lt=end).aggregate(
            users=Count("id"), clients=Count("id", filter=Q(client_since__lt=end))
        )
        yield _user(counts["users"], counts["clients"])

    def extract_days(self, windows: Sequence[tuple[dt.datetime, dt.datetime]]) -> Iterator[User]:
        """The same counts for many days with three queries instead of one per day.

        A customer is a user from ``date_joined`` and a client from the later of
        ``date_joined`` and ``client_since``: the counts before the first day, plus those
        instants inside the range sorted once, give every day's end by bisection.
        """
        from django.db.models import Count, Q

        from analytics_assets.demo.shop.models import Customer

        first = min(start for start, _ in windows)
        last = max(end for _, end in windows)
        before = Customer.objects.filter(date_joined__lt=first).aggregate(
            users=Count("id"), clients=Count("id", filter=Q(client_since__lt=first))
        )
        joined = sorted(
            Customer.objects.filter(date_joined__gte=first, date_joined__lt=last).values_list(
                "date_joined", flat=True
            )
        )
        converted = sorted(
            max(date_joined, client_since)
            for date_joined, client_since in Customer.objects.filter(
                Q(date_joined__gte=first) | Q(client_since__gte=first),
                date_joined__lt=last,
                client_since__lt=last,
            ).values_list("date_joined", "client_since")
        )
        for _, end in windows:
            yield _user(
                before["users"] + bisect.bisect_left(joined, end),
                before["clients"] + bisect.bisect_left(converted, end),
            )


def _user(users: int, clients: int) -> User:
    return User(users=users, prospects=users - clients, clients=clients)
