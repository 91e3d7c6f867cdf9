"""The demo's own history passes every check of every demo table: no false warning on a fresh demo.

The history is the demo's (same seed, scale and first date), generated up to mid-April 2024;
three weeks around the spring-forward day are materialized with all checks, then the
checks run alone over what was materialized. On 2024-03-31 more prospects became clients
than users joined, so ``prospects`` (users - clients) really drops by one: a field that
may do so must not be declared monotonic.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from analytics_assets.assembly.discovery import find_extractors
from analytics_assets.demo import SETTINGS_MODULE
from analytics_assets.demo.config import SUPPORT_API_TOKEN_ENV
from analytics_assets.demo.history import DEFAULT_SEED, generate_history
from analytics_assets.demo.tickets import seed_tickets
from analytics_assets.sources.django_orm import DjangoORM
from analytics_assets.sources.http_api import HttpApi
from analytics_assets.testing import table_rows
from analytics_assets_tests.http_servers import demo_api
from analytics_assets_tests.table_runs import run_assets_and_checks

__all__ = ["demo_api"]

PARIS = ZoneInfo("Europe/Paris")
DEMO_FIRST_DATE = dt.date(2024, 1, 1)
FIRST, LAST = dt.date(2024, 3, 20), dt.date(2024, 4, 10)
PARTITIONS = dg.DailyPartitionsDefinition(start_date=FIRST.isoformat(), timezone="Europe/Paris")
EXTRACTORS = find_extractors(["analytics_assets.demo.extractors"])
TOKEN = "demo-checks-token"


@pytest.fixture
def demo_history(demo_api, settings, monkeypatch) -> str:
    settings.DEMO_API_TOKEN = TOKEN
    monkeypatch.setenv(SUPPORT_API_TOKEN_ENV, TOKEN)
    generate_history(DEMO_FIRST_DATE, LAST, tz=PARIS)
    seed_tickets(DEMO_FIRST_DATE, LAST, seed=DEFAULT_SEED, scale=1.0, tz=PARIS)
    return demo_api


def test_the_demo_history_passes_every_check_of_every_table(warehouse, demo_history):
    sources = {
        "django": DjangoORM(settings_module=SETTINGS_MODULE),
        "support_api": HttpApi(base_url=demo_history, token=dg.EnvVar(SUPPORT_API_TOKEN_ENV)),
    }
    with dg.instance_for_test() as instance:
        result = run_assets_and_checks(
            EXTRACTORS,
            warehouse,
            PARTITIONS,
            instance,
            FIRST.isoformat(),
            LAST.isoformat(),
            sources=sources,
        )
        run_checks = result.get_asset_check_evaluations()
        alone = run_assets_and_checks(
            EXTRACTORS,
            warehouse,
            PARTITIONS,
            instance,
            selection=dg.AssetSelection.all_asset_checks(),
            sources=sources,
        ).get_asset_check_evaluations()

    days = (LAST - FIRST).days + 1
    checks_per_day = {"user": 4, "contract": 4, "email": 2, "support_ticket": 2}
    assert len(run_checks) == days * sum(checks_per_day.values())
    failed = [(e.asset_key.path[-1], e.check_name, e.partition, e.description) for e in run_checks]
    assert [f for f, e in zip(failed, run_checks, strict=True) if not e.passed] == []
    summaries = [e for e in alone if e.partition is None]
    assert len(summaries) == sum(checks_per_day.values())
    assert all(e.passed for e in alone), [e.description for e in alone if not e.passed]
    assert [e.metadata["days_checked"].value for e in summaries] == [days] * len(summaries)

    users = {row["date"]: row for row in table_rows(warehouse, "user")}
    march_31, march_30 = dt.date(2024, 3, 31), dt.date(2024, 3, 30)
    assert users[march_31]["prospects"] == users[march_30]["prospects"] - 1  # a real drop
    assert users[march_31]["users"] > users[march_30]["users"]
