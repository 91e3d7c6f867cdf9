"""What happens in the demo shop on one local day, drawn from an RNG seeded by (seed, day) only.

A day's plan holds the customers who join that day with their whole future (conversion to
client, contracts, invoices, reminders), plus the day's newsletters to earlier customers.
All instants are UTC-aware datetimes computed by UTC arithmetic from the real bounds of the
local day, so DST days (23 h / 25 h) are covered and no wall-clock time is ever ambiguous.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from analytics_assets.demo.people import Identity, identity
from analytics_assets.extract import day_window

# Volumes at scale 1; ``scale`` multiplies the per-day counts.
NEW_CUSTOMERS_PER_DAY = (4.0, 8.0)
NEWSLETTERS_PER_DAY = (15.0, 35.0)
CONVERSION_RATE = 0.25
MEAN_DAYS_TO_CONVERT = 12.0
RENEWAL_RATE = 0.35
MAX_CONTRACTS_PER_CLIENT = 6
REMINDER_DAYS = (2, 7, 14, 30)
CONTRACT_CENTS = (100_00, 5_000_00)
BOUNCE_RATE = 0.02
OPEN_RATES = {"welcome": 0.6, "newsletter": 0.25, "invoice": 0.8, "reminder": 0.35}


class PlannedCustomer(NamedTuple):
    email: str
    full_name: str
    date_joined: dt.datetime
    client_since: dt.datetime | None


class PlannedContract(NamedTuple):
    customer: int  # ordinal of the customer in join order, see Population
    signed_at: dt.datetime
    value: Decimal


class PlannedEmail(NamedTuple):
    customer: int  # ordinal of the customer in join order, see Population
    to_address: str
    subject: str
    kind: str
    sent_at: dt.datetime
    opened: bool
    bounced: bool


@dataclass
class DayPlan:
    day: dt.date
    customers: list[PlannedCustomer] = field(default_factory=list)
    contracts: list[PlannedContract] = field(default_factory=list)
    emails: list[PlannedEmail] = field(default_factory=list)


class Population:
    """The customers of the days planned so far, numbered by ordinal in join order."""

    def __init__(self) -> None:
        self._days: list[dt.date] = []
        self._starts: list[int] = []
        self.size = 0

    def add_day(self, day: dt.date, customers: int) -> None:
        self._days.append(day)
        self._starts.append(self.size)
        self.size += customers

    def locate(self, ordinal: int) -> tuple[dt.date, int]:
        """The join day of a customer and its index among that day's customers."""
        position = bisect.bisect_right(self._starts, ordinal) - 1
        return self._days[position], ordinal - self._starts[position]


def plan_day(
    day: dt.date, population: Population, *, seed: int, scale: float, tz: ZoneInfo
) -> DayPlan:
    """Plan ``day``; newsletter recipients are drawn from ``population`` (the earlier days)."""
    rng = random.Random(f"{seed}-{day.isoformat()}")
    start, end = (bound.astimezone(dt.UTC) for bound in day_window(day, tz))
    microseconds = (end - start) // dt.timedelta(microseconds=1)

    def moment() -> dt.datetime:
        return start + dt.timedelta(microseconds=rng.randrange(microseconds))

    plan = DayPlan(day)
    for index in range(_scaled_count(rng, NEW_CUSTOMERS_PER_DAY, scale)):
        who = identity(seed, day, index)
        _plan_customer(rng, plan, population.size + index, who, joined=moment())

    wanted = _scaled_count(rng, NEWSLETTERS_PER_DAY, scale)
    for ordinal in rng.sample(range(population.size), min(wanted, population.size)):
        who = identity(seed, *population.locate(ordinal))
        subject = f"Demo Shop news, {day:%B %Y}"
        _send(rng, plan, ordinal, who, "newsletter", subject, sent_at=moment())
    return plan


def _plan_customer(
    rng: random.Random, plan: DayPlan, ordinal: int, who: Identity, joined: dt.datetime
) -> None:
    client_since = None
    if rng.random() < CONVERSION_RATE:
        days_to_convert = rng.expovariate(1 / MEAN_DAYS_TO_CONVERT)
        client_since = joined + dt.timedelta(minutes=10, days=days_to_convert)
    plan.customers.append(PlannedCustomer(who.email, who.full_name, joined, client_since))

    welcome_at = joined + dt.timedelta(seconds=rng.randint(5, 600))
    _send(
        rng, plan, ordinal, who, "welcome", f"Welcome to Demo Shop, {who.first_name}!", welcome_at
    )
    for days in REMINDER_DAYS:
        reminder_at = joined + dt.timedelta(days=days, hours=rng.uniform(-3, 3))
        if client_since is None or reminder_at < client_since:
            subject = f"Still thinking about it, {who.first_name}?"
            _send(rng, plan, ordinal, who, "reminder", subject, reminder_at)
    if client_since is not None:
        _plan_contracts(rng, plan, ordinal, who, first_signed_at=client_since)


def _plan_contracts(
    rng: random.Random, plan: DayPlan, ordinal: int, who: Identity, first_signed_at: dt.datetime
) -> None:
    """The first contract makes the customer a client; some renew weeks or months later."""
    signed_at = first_signed_at
    for _ in range(MAX_CONTRACTS_PER_CLIENT):
        value = Decimal(rng.randint(*CONTRACT_CENTS)).scaleb(-2)
        plan.contracts.append(PlannedContract(ordinal, signed_at, value))
        invoice_at = signed_at + dt.timedelta(seconds=rng.randint(60, 7200))
        _send(rng, plan, ordinal, who, "invoice", f"Your invoice: {value} EUR", invoice_at)
        if rng.random() >= RENEWAL_RATE:
            return
        signed_at += dt.timedelta(days=rng.uniform(20, 120))


def _send(
    rng: random.Random,
    plan: DayPlan,
    ordinal: int,
    who: Identity,
    kind: str,
    subject: str,
    sent_at: dt.datetime,
) -> None:
    bounced = rng.random() < BOUNCE_RATE
    opened = not bounced and rng.random() < OPEN_RATES[kind]
    plan.emails.append(
        PlannedEmail(ordinal, who.email, subject, kind, sent_at, opened=opened, bounced=bounced)
    )


def _scaled_count(rng: random.Random, per_day: tuple[float, float], scale: float) -> int:
    """A count drawn in ``per_day`` times ``scale``, rounded at random so the mean is exact."""
    expected = rng.uniform(*per_day) * scale
    whole = int(expected)
    return whole + (rng.random() < expected - whole)
