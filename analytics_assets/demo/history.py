"""Write the demo shop's generated history into the configured Django database, and seed it once.

Every local day is planned by :func:`analytics_assets.demo.plan.plan_day` from (seed, day,
scale) alone, so the rows of earlier days are the same whatever the last day is. Rows whose
instant falls after the last day are not written yet (a later conversion stays NULL), and
rows are inserted with ``bulk_create`` in batches as days are planned, never all at once.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from filelock import FileLock

from analytics_assets.demo import SETTINGS_MODULE
from analytics_assets.demo.config import load_demo_settings
from analytics_assets.demo.plan import DayPlan, Population, plan_day
from analytics_assets.extract import day_window, last_complete_day
from analytics_assets.settings import Settings, load_settings

BATCH_SIZE = 5_000
DEFAULT_SEED = 2024


@dataclass(frozen=True)
class HistoryStats:
    """What :func:`generate_history` wrote."""

    first_day: dt.date
    last_day: dt.date
    customers: int
    clients: int
    contracts: int
    emails: int

    def __str__(self) -> str:
        return (
            f"{self.first_day} to {self.last_day}: {self.customers} customers "
            f"({self.clients} clients), {self.contracts} contracts, {self.emails} emails"
        )


def generate_history(
    first_date: dt.date,
    last_date: dt.date,
    *,
    scale: float = 1.0,
    seed: int = DEFAULT_SEED,
    tz: ZoneInfo | None = None,
) -> HistoryStats:
    """Write every local day from ``first_date`` to ``last_date`` inclusive, in one transaction.

    ``tz`` defaults to ANALYTICS_TIMEZONE. An empty range writes nothing.
    """
    from django.db import transaction

    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    zone = tz or load_settings().tz
    writer = _BatchWriter(history_end=day_window(last_date, zone)[1])
    population = Population()
    # Without django-stubs, pyright cannot tell atomic() (a context manager) from atomic(func).
    with transaction.atomic():  # pyright: ignore[reportGeneralTypeIssues]
        day = first_date
        while day <= last_date:
            plan = plan_day(day, population, seed=seed, scale=scale, tz=zone)
            population.add_day(day, len(plan.customers))
            writer.add(plan)
            day += dt.timedelta(days=1)
        writer.flush()
    return HistoryStats(first_date, last_date, **writer.counts)


def ensure_demo_database() -> HistoryStats | None:
    """Migrate the demo database and seed FIRST_DATE to yesterday where it is empty.

    Guarded by a file lock so two processes never migrate or seed at once. Returns None
    when the database was already seeded.
    """
    from analytics_assets.sources.django_orm import configure_django

    configure_django(SETTINGS_MODULE)
    from django.core.management import call_command

    from analytics_assets.demo.shop.models import Customer

    settings, scale = load_settings(), load_demo_settings().scale
    with FileLock(_seed_lock_path(settings)):
        call_command("migrate", verbosity=0, interactive=False)
        yesterday = last_complete_day(dt.datetime.now(dt.UTC), settings.tz)
        ensure_demo_tickets(settings, yesterday, scale)
        if Customer.objects.exists():
            return None
        return generate_history(settings.start, yesterday, scale=scale, tz=settings.tz)


def ensure_demo_tickets(settings: Settings, last_day: dt.date, scale: float) -> None:
    """Seed the support desk's tickets if it has none (also in databases seeded before it)."""
    from analytics_assets.demo.shop.models import SupportTicket
    from analytics_assets.demo.tickets import seed_tickets

    if not SupportTicket.objects.exists():
        seed_tickets(
            settings.start,
            last_day,
            seed=DEFAULT_SEED,
            scale=scale,
            tz=settings.tz,
        )


def _seed_lock_path(settings: Settings) -> Path:
    """Next to the SQLite file, else (PostgreSQL, in-memory SQLite) in ANALYTICS_LOCAL_DIR."""
    from django.db import connection

    if connection.vendor == "sqlite" and not connection.is_in_memory_db():
        database = Path(connection.settings_dict["NAME"])
        return database.with_name(f"{database.name}.seed.lock")
    settings.local_dir.mkdir(parents=True, exist_ok=True)
    return settings.local_dir / "demo-seed.lock"


class _BatchWriter:
    """Buffers planned rows and inserts them in batches, customers first so FKs resolve."""

    def __init__(self, history_end: dt.datetime) -> None:
        self.history_end = history_end
        self.counts = {"customers": 0, "clients": 0, "contracts": 0, "emails": 0}
        self._customer_ids = array("q")  # primary key by customer ordinal
        self._plans: list[DayPlan] = []
        self._buffered = 0

    def add(self, plan: DayPlan) -> None:
        self._plans.append(plan)
        self._buffered += len(plan.customers) + len(plan.contracts) + len(plan.emails)
        if self._buffered >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        from analytics_assets.demo.shop.models import Contract, Customer, EmailMessage

        customers = [
            Customer(
                email=planned.email,
                full_name=planned.full_name,
                date_joined=planned.date_joined,
                client_since=self._until_end(planned.client_since),
            )
            for plan in self._plans
            for planned in plan.customers
        ]
        created = Customer.objects.bulk_create(customers, batch_size=BATCH_SIZE)
        self._customer_ids.extend(_primary_keys(created))
        contracts = [
            (self._customer_ids[planned.customer], planned.signed_at, planned.value)
            for plan in self._plans
            for planned in plan.contracts
            if planned.signed_at < self.history_end
        ]
        _insert_rows(Contract, ("customer", "signed_at", "value"), contracts)
        emails = [
            (
                self._customer_ids[planned.customer],
                planned.to_address,
                planned.subject,
                planned.kind,
                planned.sent_at,
                planned.opened,
                planned.bounced,
            )
            for plan in self._plans
            for planned in plan.emails
            if planned.sent_at < self.history_end
        ]
        email_fields = ("customer", "to_address", "subject", "kind", "sent_at", "opened", "bounced")
        _insert_rows(EmailMessage, email_fields, emails)

        self.counts["customers"] += len(customers)
        self.counts["clients"] += sum(c.client_since is not None for c in customers)
        self.counts["contracts"] += len(contracts)
        self.counts["emails"] += len(emails)
        self._plans.clear()
        self._buffered = 0

    def _until_end(self, instant: dt.datetime | None) -> dt.datetime | None:
        return instant if instant is not None and instant < self.history_end else None


def _insert_rows(model: Any, field_names: Sequence[str], rows: Sequence[tuple]) -> None:
    """INSERT ``rows`` (values in ``field_names`` order) with one ``executemany``.

    The rows the history writes without needing their primary keys back (contracts,
    emails: millions at large scales) skip model instances and the ORM's per-value SQL
    compilation, which cost ten times the insert itself. Values are prepared for the
    database exactly as ``bulk_create`` prepares them: datetimes and decimals through the
    field (UTC text on SQLite; the planned instants are always aware), the rest (str,
    bool, int keys) are passed as they are.
    """
    from django.db import connection

    if not rows:
        return
    fields = [model._meta.get_field(name) for name in field_names]
    prepared = [
        index
        for index, f in enumerate(fields)
        if f.get_internal_type() in ("DateTimeField", "DecimalField")
    ]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"
    if prepared:
        rows = [_prepare(row, fields, prepared, connection) for row in rows]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH_SIZE):
            cursor.executemany(sql, rows[start : start + BATCH_SIZE])


def _prepare(row: tuple, fields: Sequence[Any], prepared: Sequence[int], connection: Any) -> tuple:
    values = list(row)
    for index in prepared:
        values[index] = fields[index].get_db_prep_value(values[index], connection, prepared=True)
    return tuple(values)


def _primary_keys(created: list) -> list[int]:
    keys = [row.pk for row in created]
    if any(key is None for key in keys):
        raise RuntimeError("the database did not return the primary keys of bulk_create")
    return keys
