"""The demo history is deterministic, DST-proof and realistic; the DjangoORM resource sets it up."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from django.db.models import F

from analytics_assets.demo import SETTINGS_MODULE
from analytics_assets.demo.history import HistoryStats, ensure_demo_database, generate_history
from analytics_assets.demo.plan import Population, plan_day
from analytics_assets.demo.resources import DemoDjangoORM
from analytics_assets.demo.shop.models import Contract, Customer, EmailMessage
from analytics_assets.extract import day_window, last_complete_day
from analytics_assets.sources.django_orm import (
    DjangoConfigurationError,
    DjangoORM,
    configure_django,
)

PARIS = ZoneInfo("Europe/Paris")
JANUARY_1 = dt.date(2024, 1, 1)
JANUARY_30 = dt.date(2024, 1, 30)

Snapshot = tuple[list[tuple], list[tuple], list[tuple]]


def _generate(first: dt.date, last: dt.date, *, scale: float = 1.0, seed: int = 2024):
    return generate_history(first, last, scale=scale, seed=seed, tz=PARIS)


def _wipe() -> None:
    Customer.objects.all().delete()  # cascades to contracts and emails


def _snapshot(until: dt.datetime) -> Snapshot:
    """Every row as known at ``until``, without primary keys (they depend on insert order)."""
    customers = [
        (email, name, joined, since if since is not None and since < until else None)
        for email, name, joined, since in Customer.objects.filter(date_joined__lt=until)
        .order_by("email")
        .values_list("email", "full_name", "date_joined", "client_since")
    ]
    contracts = list(
        Contract.objects.filter(signed_at__lt=until)
        .order_by("signed_at", "customer__email")
        .values_list("customer__email", "signed_at", "value")
    )
    emails = list(
        EmailMessage.objects.filter(sent_at__lt=until)
        .order_by("sent_at", "customer__email", "kind")
        .values_list("customer__email", "to_address", "subject", "kind", "sent_at", "opened")
    )
    return customers, contracts, emails


def _end_of(day: dt.date) -> dt.datetime:
    return day_window(day, PARIS)[1]


@pytest.mark.django_db
def test_same_seed_writes_identical_rows_and_another_seed_does_not():
    _generate(JANUARY_1, JANUARY_30)
    first = _snapshot(_end_of(JANUARY_30))
    _wipe()
    _generate(JANUARY_1, JANUARY_30)
    assert _snapshot(_end_of(JANUARY_30)) == first
    _wipe()
    _generate(JANUARY_1, JANUARY_30, seed=7)
    assert _snapshot(_end_of(JANUARY_30)) != first


@pytest.mark.django_db
def test_a_later_last_date_keeps_the_earlier_days_identical():
    _generate(JANUARY_1, dt.date(2024, 1, 20))
    short = _snapshot(_end_of(dt.date(2024, 1, 20)))
    _wipe()
    _generate(JANUARY_1, dt.date(2024, 2, 29))
    assert _snapshot(_end_of(dt.date(2024, 1, 20))) == short


@pytest.mark.django_db
def test_every_timestamp_is_aware_and_inside_the_generated_days():
    _generate(JANUARY_1, JANUARY_30)
    start, end = day_window(JANUARY_1, PARIS)[0], _end_of(JANUARY_30)
    instants = [
        *Customer.objects.values_list("date_joined", flat=True),
        *Customer.objects.exclude(client_since=None).values_list("client_since", flat=True),
        *Contract.objects.values_list("signed_at", flat=True),
        *EmailMessage.objects.values_list("sent_at", flat=True),
    ]
    assert instants
    assert all(instant.tzinfo is not None for instant in instants)
    assert all(start <= instant < end for instant in instants)


def test_customers_join_and_newsletters_go_out_within_their_local_day():
    population = Population()
    day = JANUARY_1
    while day <= JANUARY_30:
        plan = plan_day(day, population, seed=2024, scale=1.0, tz=PARIS)
        population.add_day(day, len(plan.customers))
        start, end = day_window(day, PARIS)
        newsletters = [email for email in plan.emails if email.kind == "newsletter"]
        assert all(start <= c.date_joined < end for c in plan.customers)
        assert all(start <= email.sent_at < end for email in newsletters)
        day += dt.timedelta(days=1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "hours", "offsets_at_two"),
    [
        (dt.date(2024, 3, 31), 23, set()),  # spring forward: 02:00-03:00 never happens
        (dt.date(2024, 10, 27), 25, {1, 2}),  # fall back: 02:00-03:00 happens twice
    ],
)
def test_dst_days_are_generated_over_their_real_23_or_25_hours(day, hours, offsets_at_two):
    _generate(day, day, scale=40)
    start, end = day_window(day, PARIS)
    assert end - start == dt.timedelta(hours=hours)
    joined = sorted(Customer.objects.values_list("date_joined", flat=True))
    assert len(joined) > 100
    assert start <= joined[0] < start + dt.timedelta(hours=1)
    assert end - dt.timedelta(hours=1) <= joined[-1] < end
    local = [instant.astimezone(PARIS) for instant in joined]
    assert {moment.utcoffset() for moment in local if moment.hour == 2} == {
        dt.timedelta(hours=offset) for offset in offsets_at_two
    }


@pytest.mark.django_db
def test_thirty_days_at_scale_1_have_realistic_volumes():
    stats = _generate(JANUARY_1, JANUARY_30)
    assert isinstance(stats, HistoryStats)
    assert (stats.first_day, stats.last_day) == (JANUARY_1, JANUARY_30)
    assert stats.customers == Customer.objects.count()
    assert stats.contracts == Contract.objects.count()
    assert stats.emails == EmailMessage.objects.count()
    days = 30
    assert 4 * days <= stats.customers <= 8 * days
    assert 0 < stats.clients < stats.customers / 2
    assert 0.5 * days <= stats.contracts <= 3 * days
    # The shop starts empty: newsletters and reminders ramp up over the first weeks.
    assert 25 * days <= stats.emails <= 70 * days
    last_week = EmailMessage.objects.filter(sent_at__gte=day_window(dt.date(2024, 1, 24), PARIS)[0])
    assert 40 * 7 <= last_week.count() <= 70 * 7
    kinds = set(EmailMessage.objects.values_list("kind", flat=True))
    assert kinds == {"welcome", "newsletter", "invoice", "reminder"}
    assert EmailMessage.objects.filter(opened=True).exists()
    assert EmailMessage.objects.filter(bounced=True).exists()
    assert not EmailMessage.objects.filter(opened=True, bounced=True).exists()
    values = list(Contract.objects.values_list("value", flat=True))
    assert all(100 <= value <= 5000 and value.as_tuple().exponent == -2 for value in values)


@pytest.mark.django_db
def test_scale_3_roughly_triples_every_count():
    single = _generate(JANUARY_1, JANUARY_30)
    _wipe()
    triple = _generate(JANUARY_1, JANUARY_30, scale=3)
    assert 2.6 <= triple.customers / single.customers <= 3.4
    assert 2.0 <= triple.contracts / single.contracts <= 4.0
    assert 2.6 <= triple.emails / single.emails <= 3.4


@pytest.mark.django_db
def test_clients_become_clients_after_joining_sometimes_on_a_later_day():
    _generate(JANUARY_1, JANUARY_30)
    clients = Customer.objects.exclude(client_since=None)
    assert clients.exists()
    assert not clients.filter(client_since__lt=F("date_joined")).exists()
    later_day = [
        since.astimezone(PARIS).date() > joined.astimezone(PARIS).date()
        for joined, since in clients.values_list("date_joined", "client_since")
    ]
    assert any(later_day)
    assert Customer.objects.filter(client_since=None).exists()


@pytest.fixture
def recent_first_date(monkeypatch: pytest.MonkeyPatch, tmp_path) -> dt.date:
    """FIRST_DATE 5 days before yesterday, and a local dir of the test's own for the lock."""
    yesterday = last_complete_day(dt.datetime.now(dt.UTC), PARIS)
    first = yesterday - dt.timedelta(days=4)
    monkeypatch.setenv("ANALYTICS_FIRST_DATE", first.isoformat())
    monkeypatch.setenv("ANALYTICS_TIMEZONE", "Europe/Paris")
    monkeypatch.setenv("ANALYTICS_DEMO_SCALE", "1")
    monkeypatch.setenv("ANALYTICS_LOCAL_DIR", str(tmp_path))
    return first


@pytest.mark.django_db
def test_ensure_demo_database_seeds_first_date_to_yesterday_once(recent_first_date, tmp_path):
    stats = ensure_demo_database()
    assert stats is not None
    assert stats.first_day == recent_first_date
    assert stats.last_day == last_complete_day(dt.datetime.now(dt.UTC), PARIS)
    assert stats.customers == Customer.objects.count() > 0
    assert (tmp_path / "demo-seed.lock").exists()  # the in-memory test DB has no file
    assert ensure_demo_database() is None
    assert Customer.objects.count() == stats.customers


@pytest.mark.django_db(transaction=True)  # as in a run: no test transaction around it
def test_the_demo_resource_seeds_the_empty_demo_database_and_closes_connections_on_teardown(
    recent_first_date, monkeypatch: pytest.MonkeyPatch
):
    resource = DemoDjangoORM()
    context = dg.build_init_resource_context()
    resource.setup_for_execution(context)
    assert os.environ["DJANGO_SETTINGS_MODULE"] == SETTINGS_MODULE
    assert Customer.objects.exists()

    from django.db import connections

    closed: list[str] = []
    default = connections["default"]  # opened by the seeding and the query above
    monkeypatch.setattr(default, "close", lambda: closed.append(default.alias))
    resource.teardown_after_execution(context)
    assert closed == ["default"]


def test_the_framework_resource_has_no_default_project_and_seeds_nothing():
    assert DemoDjangoORM().settings_module == SETTINGS_MODULE
    with pytest.raises(ValueError, match="settings_module"):
        DjangoORM()  # type: ignore[call-arg]
    assert not hasattr(DjangoORM, "seed_demo_if_empty")


def test_configure_django_refuses_a_second_project_in_the_same_process():
    configure_django(SETTINGS_MODULE)  # idempotent
    with pytest.raises(DjangoConfigurationError, match="DJANGO_SETTINGS_MODULE") as raised:
        configure_django("another_project.settings")
    assert "another_project.settings" in str(raised.value)
    assert SETTINGS_MODULE in str(raised.value)


def test_configure_django_names_a_settings_module_that_does_not_import():
    environ = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    script = (
        "from analytics_assets.sources.django_orm import configure_django\n"
        "configure_django('no_such_project.settings')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=environ, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "DjangoConfigurationError" in result.stderr
    assert "DJANGO_SETTINGS_MODULE='no_such_project.settings' does not import" in result.stderr


def test_setting_up_a_use_tz_project_leaves_the_process_zone_as_it_was():
    """Django sets ``TZ`` from ``TIME_ZONE``; with ``USE_TZ`` the project needs none, and
    Dagster's log lines keep the zone the process started with."""
    environ = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "TZ")}
    script = (
        "import os, time\n"
        "zone_at_start = time.tzname\n"
        "from analytics_assets.sources.django_orm import configure_django\n"
        f"configure_django({SETTINGS_MODULE!r})\n"
        "from django.conf import settings\n"
        "same_zone = time.tzname == zone_at_start\n"
        "print(settings.USE_TZ, settings.TIME_ZONE, os.environ.get('TZ'), same_zone)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=environ, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    use_tz, time_zone, tz_env, same_zone = result.stdout.split()
    assert (use_tz, tz_env, same_zone) == ("True", "None", "True")
    assert time_zone == "Europe/Paris"  # what Django would have put in TZ


def test_the_demo_resource_waits_out_a_database_another_process_holds_locked(monkeypatch):
    from django.db import OperationalError

    attempts: list[int] = []

    def seeded_once_unlocked() -> None:
        attempts.append(1)
        if len(attempts) < 3:  # another process of analytics-assets dev holds the file
            raise OperationalError("database is locked")

    monkeypatch.setattr("analytics_assets.demo.history.ensure_demo_database", seeded_once_unlocked)
    monkeypatch.setattr("analytics_assets.demo.resources.LOCKED_TRIES", 4)
    DemoDjangoORM().setup_for_execution(dg.build_init_resource_context())
    assert len(attempts) == 3
