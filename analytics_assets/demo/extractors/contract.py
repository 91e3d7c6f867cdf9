"""Contracts of the demo shop: how many were signed so far, and the day's average value."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

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
        from django.db.models import Count

        from analytics_assets.demo.shop.models import Contract as ContractModel

        total = ContractModel.objects.filter(signed_at__lt=end).aggregate(n=Count("id"))["n"]
        yield Contract(contracts=total, average_value=_average_value(start, end))

    def extract_days(
        self, windows: Sequence[tuple[dt.datetime, dt.datetime]]
    ) -> Iterator[Contract]:
        """Many days at once: the running count from one query instead of one count per day.

        The day's average stays one small indexed query per day, computed by the database
        exactly as :meth:`extract` does.
        """
        from analytics_assets.demo.shop.models import Contract as ContractModel

        first = min(start for start, _ in windows)
        last = max(end for _, end in windows)
        before = ContractModel.objects.filter(signed_at__lt=first).count()
        signed = sorted(
            ContractModel.objects.filter(signed_at__gte=first, signed_at__lt=last).values_list(
                "signed_at", flat=True
            )
        )
        for start, end in windows:
            yield Contract(
                contracts=before + bisect.bisect_left(signed, end),
                average_value=_average_value(start, end),
            )


def _average_value(start: dt.datetime, end: dt.datetime) -> Decimal | None:
    from django.db.models import Avg

    from analytics_assets.demo.shop.models import Contract as ContractModel

    average = ContractModel.objects.filter(signed_at__gte=start, signed_at__lt=end).aggregate(
        v=Avg("value")
    )["v"]
    return None if average is None else Decimal(average).quantize(CENT)
