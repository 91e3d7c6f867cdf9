"""Test helper: demo shop rows placed by hand, instants written with their explicit offset."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from analytics_assets.demo.shop.models import Contract, Customer, EmailMessage


def instant(text: str) -> dt.datetime:
    """An aware instant from ISO text that must carry its offset, e.g. ...T01:30:00+01:00."""
    moment = dt.datetime.fromisoformat(text)
    assert moment.tzinfo is not None, f"{text} has no UTC offset"
    return moment


def customer(name: str, joined: str, client_since: str | None = None) -> Customer:
    return Customer.objects.create(
        email=f"{name}@example.com",
        full_name=name.title(),
        date_joined=instant(joined),
        client_since=instant(client_since) if client_since else None,
    )


def contracts(signer: Customer, signed_values: Iterable[tuple[str, str]]) -> None:
    for signed, value in signed_values:
        Contract.objects.create(customer=signer, signed_at=instant(signed), value=Decimal(value))


def emails(recipient: Customer, sent_kinds_opened: Iterable[tuple[str, str, bool]]) -> None:
    for sent, kind, opened in sent_kinds_opened:
        EmailMessage.objects.create(
            customer=recipient,
            to_address=recipient.email,
            subject="private subject",
            kind=kind,
            sent_at=instant(sent),
            opened=opened,
            bounced=False,
        )
