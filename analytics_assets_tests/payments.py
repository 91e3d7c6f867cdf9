"""Test helper: a throwaway individual-rows extractor of payments, reading a list a test fills."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from analytics_assets.extract import IndividualRowsExtractor

PARIS = ZoneInfo("Europe/Paris")
#: What the throwaway extractor reads: (instant, amount in cents); tests clear it.
PAYMENTS: list[tuple[dt.datetime, int]] = []


def paris(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=PARIS)


@dataclass
class Payment:
    timestamp: dt.datetime
    cents: int


class PaymentExtractor(IndividualRowsExtractor[Payment]):
    """The payments of ``PAYMENTS`` in ``[start, end)``: the table ``payment``."""

    source = "python"

    def extract(self, start, end):
        return [Payment(at, cents) for at, cents in PAYMENTS if start <= at < end]
