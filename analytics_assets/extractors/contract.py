"""Contracts of the demo shop: how many were signed so far, and the day's average value."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count

from analytics_assets.extract import DateAggregatedExtractor, column

CENT = Decimal("0.01")


@dataclass
class Contract:
    contracts: int = column(differentiate=True, description="contracts signed before the day ended")
    average_value: Decimal | None = column(
        description="average value of the contracts signed that day; NULL when none was"
    )


class ContractExtractor(DateAggregatedExtractor[Contract]):
    """Contracts signed up to the end of each local day, and the average value of that day's."""

    def extract(self, start: dt.datetime, end: dt.datetime) -> Iterator[Contract]:
        from analytics_assets.demo.shop.models import Contract as ContractModel

        total = ContractModel.objects.filter(signed_at__lt=end).aggregate(n=Count("id"))["n"]
        average = ContractModel.objects.filter(signed_at__gte=start, signed_at__lt=end).aggregate(
            v=Avg("value")
        )["v"]
        yield Contract(
            contracts=total,
            average_value=None if average is None else Decimal(average).quantize(CENT),
        )
