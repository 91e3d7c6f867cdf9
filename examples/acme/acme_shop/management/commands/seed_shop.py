"""``manage.py seed_shop FIRST LAST``: a few customers, orders and tickets every day of a range."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand

from acme_shop.models import Customer, Order, Ticket

PARIS = ZoneInfo("Europe/Paris")


class Command(BaseCommand):
    help = "Seed the shop with a few rows a day, from FIRST to LAST (YYYY-MM-DD), idempotently."

    def add_arguments(self, parser):
        parser.add_argument("first", type=dt.date.fromisoformat)
        parser.add_argument("last", type=dt.date.fromisoformat)

    def handle(self, *args, first: dt.date, last: dt.date, **options):
        Customer.objects.all().delete()
        Ticket.objects.all().delete()
        day = first
        while day <= last:
            noon = dt.datetime.combine(day, dt.time(12), PARIS)
            for n in range(day.day % 3 + 1):
                customer = Customer.objects.create(
                    email=f"c{day:%Y%m%d}{n}@example.com",
                    joined_at=noon,
                    plan="pro" if n == 0 else "free",
                )
                Order.objects.create(
                    customer=customer, placed_at=noon, amount=Decimal("19.90"), status="paid"
                )
            Ticket.objects.create(opened_at=noon, channel="email", subject="hello")
            day += dt.timedelta(days=1)
        self.stdout.write(f"seeded {first}..{last}")
