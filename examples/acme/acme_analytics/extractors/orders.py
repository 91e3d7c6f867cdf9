"""Every order placed, one row each: when, how much, its status (never who)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from analytics_assets.extract import IndividualRowsExtractor


@dataclass
class Order:
    timestamp: dt.datetime  # when it was placed; the system adds its local `date`
    amount: Decimal
    status: str


class OrderExtractor(IndividualRowsExtractor[Order]):
    """Orders placed during each local day."""

    owners = ("team:data",)

    def extract(self, start, end):
        from acme_shop.models import Order as ShopOrder

        placed = ShopOrder.objects.filter(placed_at__gte=start, placed_at__lt=end)
        for placed_at, amount, status in placed.values_list("placed_at", "amount", "status"):
            yield Order(placed_at, amount, status)
