"""The demo support desk's tickets: planned per local day from (seed, day, scale), seeded once.

Like the shop's history (:mod:`analytics_assets.demo.history`), a day's tickets depend on the
seed, the day and the scale alone. A ticket's later events (first response, solution) are
only written when they happen before the end of the seeded history, so its status is the
one it had at that moment: open, pending (answered) or solved.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from analytics_assets.demo.people import identity
from analytics_assets.demo.plan import _scaled_count
from analytics_assets.extract import day_window

TICKETS_PER_DAY = (2.0, 8.0)
CHANNEL_WEIGHTS = {"email": 0.5, "chat": 0.35, "phone": 0.15}
PRIORITY_WEIGHTS = {"low": 0.3, "normal": 0.5, "high": 0.15, "urgent": 0.05}
MEAN_MINUTES_TO_RESPOND = {"email": 240.0, "chat": 8.0, "phone": 2.0}
MEAN_HOURS_TO_SOLVE = 30.0
REFUND_RATE = 0.1
REFUND_CENTS = (5_00, 200_00)
SUBJECTS = ("Where is my order?", "Invoice question", "Cannot log in", "Refund request")
#: Keeps requester identities apart from the shop's customers (same generator, other seed).
REQUESTER_SEED_OFFSET = 7


class PlannedTicket(NamedTuple):
    requester_email: str
    subject: str
    channel: str
    priority: str
    opened_at: dt.datetime
    first_response_at: dt.datetime
    solved_at: dt.datetime
    refund: Decimal | None


def plan_tickets(day: dt.date, *, seed: int, scale: float, tz: ZoneInfo) -> list[PlannedTicket]:
    """The tickets opened on the local ``day``, with the instants of their later events."""
    rng = random.Random(f"{seed}-tickets-{day.isoformat()}")
    start, end = (bound.astimezone(dt.UTC) for bound in day_window(day, tz))
    microseconds = (end - start) // dt.timedelta(microseconds=1)
    tickets = []
    for index in range(_scaled_count(rng, TICKETS_PER_DAY, scale)):
        who = identity(seed + REQUESTER_SEED_OFFSET, day, index)
        channel = _choose(rng, CHANNEL_WEIGHTS)
        opened_at = start + dt.timedelta(microseconds=rng.randrange(microseconds))
        minutes = rng.expovariate(1 / MEAN_MINUTES_TO_RESPOND[channel])
        first_response_at = opened_at + dt.timedelta(minutes=1 + minutes)
        solved_at = first_response_at + dt.timedelta(hours=rng.expovariate(1 / MEAN_HOURS_TO_SOLVE))
        refund = None
        if rng.random() < REFUND_RATE:
            refund = Decimal(rng.randint(*REFUND_CENTS)).scaleb(-2)
        tickets.append(
            PlannedTicket(
                requester_email=who.email,
                subject=rng.choice(SUBJECTS),
                channel=channel,
                priority=_choose(rng, PRIORITY_WEIGHTS),
                opened_at=opened_at,
                first_response_at=first_response_at,
                solved_at=solved_at,
                refund=refund,
            )
        )
    return tickets


def _choose(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def seed_tickets(
    first_date: dt.date, last_date: dt.date, *, seed: int, scale: float, tz: ZoneInfo
) -> int:
    """Write the tickets of ``first_date`` to ``last_date`` inclusive; return how many."""
    from django.db import transaction

    from analytics_assets.demo.shop.models import SupportTicket

    history_end = day_window(last_date, tz)[1]
    written = 0
    with transaction.atomic():  # pyright: ignore[reportGeneralTypeIssues]
        batch: list[SupportTicket] = []
        for planned in _planned_between(first_date, last_date, seed=seed, scale=scale, tz=tz):
            batch.append(_ticket_as_of(planned, history_end))
            if len(batch) >= 5_000:
                written += len(SupportTicket.objects.bulk_create(batch))
                batch.clear()
        written += len(SupportTicket.objects.bulk_create(batch))
    return written


def _planned_between(
    first_date: dt.date, last_date: dt.date, *, seed: int, scale: float, tz: ZoneInfo
) -> Iterator[PlannedTicket]:
    day = first_date
    while day <= last_date:
        yield from plan_tickets(day, seed=seed, scale=scale, tz=tz)
        day += dt.timedelta(days=1)


def _ticket_as_of(planned: PlannedTicket, history_end: dt.datetime):
    """The ticket as the desk saw it at ``history_end``: later events are not known yet."""
    from analytics_assets.demo.shop.models import SupportTicket, TicketStatus

    responded = planned.first_response_at < history_end
    solved = planned.solved_at < history_end
    if solved:
        status = TicketStatus.SOLVED
    elif responded:
        status = TicketStatus.PENDING
    else:
        status = TicketStatus.OPEN
    return SupportTicket(
        requester_email=planned.requester_email,
        subject=planned.subject,
        channel=planned.channel,
        priority=planned.priority,
        status=status,
        opened_at=planned.opened_at,
        first_response_at=planned.first_response_at if responded else None,
        solved_at=planned.solved_at if solved else None,
        refund=planned.refund if solved else None,
    )
