"""A user's day in the real UI: lineage, one partition, a backfill, the asset page.

Runs the README's start command (`analytics-assets dev`) on a temporary instance, a fresh
emulator and a fresh demo database, drives Debian's Chromium with Playwright, and checks
what lands in BigQuery against the demo database read with plain SQL. Screenshots of
each step go to artifacts/browser/ (git-ignored).
"""

import datetime as dt
import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from analytics_assets.extract import day_window, last_complete_day
from analytics_assets.testing import emulator_client
from analytics_assets_tests.dagster_dev import DagsterDev, dagster_dev
from analytics_assets_tests.paths import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = REPO_ROOT / "artifacts" / "browser"
PARIS = ZoneInfo("Europe/Paris")
HISTORY_DAYS = 40

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def dev(tmp_path_factory) -> Iterator[DagsterDev]:
    if not CHROMIUM.exists():
        reason = "no /usr/bin/chromium (apt-get install -y chromium; .ci/run does it)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    first_date = last_complete_day(dt.datetime.now(dt.UTC), PARIS) - dt.timedelta(HISTORY_DAYS)
    with dagster_dev(
        tmp_path_factory.mktemp("browser"),
        ANALYTICS_FIRST_DATE=first_date.isoformat(),
        ANALYTICS_TIMEZONE="Europe/Paris",
        # the test launches every run itself, through the UI
        ANALYTICS_AUTOMATION_RUNNING="false",
    ) as server:
        server.graphql("mutation { setNuxSeen }")  # no "join the community" modal
        yield server


@pytest.fixture(scope="module")
def page(dev):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=60_000)
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1600, "height": 1000})
        yield context.new_page()
        browser.close()


def _users_at(dev: DagsterDev, end: dt.datetime) -> tuple[int, int]:
    """(users, clients) who joined / converted before ``end``, read with plain SQL."""
    stamp = end.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    with sqlite3.connect(dev.local_dir / "demo.sqlite3") as db:
        users, clients = db.execute(
            "SELECT COUNT(*), SUM(client_since IS NOT NULL AND client_since < ?) "
            "FROM shop_customer WHERE date_joined < ?",
            (stamp, stamp),
        ).fetchone()
    return users, clients or 0


def _rows(dev: DagsterDev, table: str) -> dict[dt.date, dict]:
    client = emulator_client(dev.emulator_url)
    rows = client.query(f"SELECT * FROM `local-project.analytics.{table}`").result()
    return {row["date"]: dict(row.items()) for row in rows}


def test_1_lineage_shows_every_extractor_feeding_its_delta_view(dev, page):
    from playwright.sync_api import expect

    page.goto(f"{dev.url}/asset-groups")
    for group in ("extractors", "delta_views"):
        page.locator(f"text={group} >> visible=true").last.dblclick()
    for asset in ("user", "contract", "email", "user_delta", "contract_delta"):
        expect(page.get_by_text(asset, exact=True).first).to_be_attached()
    page.screenshot(path=SCREENSHOTS / "1_lineage.png")
    page.goto(f"{dev.url}/assets/user?view=lineage")
    expect(page.get_by_text("user_delta", exact=True).first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "1_lineage_user.png")
    edges = dev.graphql("{ assetNodes { assetKey { path } dependencyKeys { path } } }")[
        "assetNodes"
    ]
    parents = {n["assetKey"]["path"][0]: [d["path"][0] for d in n["dependencyKeys"]] for n in edges}
    assert parents["user_delta"] == ["user"] and parents["contract_delta"] == ["contract"]


def test_2_one_partition_materialized_from_the_dialog_lands_in_bigquery(dev, page):
    from playwright.sync_api import expect

    day = last_complete_day(dt.datetime.now(dt.UTC), PARIS) - dt.timedelta(days=3)
    page.goto(f"{dev.url}/assets/user?view=partitions")
    page.get_by_role("button", name="Materialize…").first.click()
    dialog = page.get_by_role("dialog").filter(has_text="Launch runs to materialize user")
    box = dialog.locator("input[type=text]").first
    box.fill(day.isoformat())
    box.press("Enter")
    expect(dialog.get_by_text("1 partition", exact=True)).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "2_materialize_dialog.png")
    dialog.get_by_role("button", name=re.compile(r"^Launch 1 run$")).click()
    expect(dialog).to_be_hidden()
    runs = dev.wait_for_runs("dagster/partition", day.isoformat(), 1)
    assert [r["status"] for r in runs] == ["SUCCESS"]
    users, clients = _users_at(dev, day_window(day, PARIS)[1])
    assert users > 0
    assert _rows(dev, "user")[day] == {
        "date": day,
        "users": users,
        "prospects": users - clients,
        "clients": clients,
    }
    page.goto(f"{dev.url}/runs/{runs[0]['runId']}")
    expect(page.get_by_text("Success", exact=False).first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "2_run.png")


def test_3_a_backfill_of_two_assets_writes_each_range_in_one_run(dev, page):
    from playwright.sync_api import expect

    last = last_complete_day(dt.datetime.now(dt.UTC), PARIS) - dt.timedelta(days=5)
    first = last - dt.timedelta(days=11)
    page.goto(f"{dev.url}/assets?view=flat")
    for asset in ("user", "user_delta"):
        page.locator(f'label:has([data-testid="checkbox-{asset}"])').click()
    page.get_by_role("button", name=re.compile("Materialize selected")).click()
    dialog = page.get_by_role("dialog")
    box = dialog.locator("input[type=text]").first
    box.fill(f"[{first.isoformat()}...{last.isoformat()}]")
    box.press("Enter")
    expect(dialog.get_by_text("12 partitions", exact=True)).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "3_backfill_dialog.png")
    dialog.get_by_role("button", name="Launch backfill").click()
    expect(dialog).to_be_hidden()
    backfill_id = dev.latest_backfill_id()
    runs = dev.wait_for_runs("dagster/backfill", backfill_id, 1)
    assert [r["status"] for r in runs] == ["SUCCESS"]
    tags = {t["key"]: t["value"] for t in runs[0]["tags"]}
    assert (
        tags["dagster/asset_partition_range_start"],
        tags["dagster/asset_partition_range_end"],
    ) == (
        first.isoformat(),
        last.isoformat(),
    )
    users = _rows(dev, "user")
    deltas = _rows(dev, "user_delta")
    for offset in range(12):
        day = first + dt.timedelta(days=offset)
        expected_users, _ = _users_at(dev, day_window(day, PARIS)[1])
        assert users[day]["users"] == expected_users
        if offset:
            assert deltas[day]["users"] == expected_users - users[day - dt.timedelta(1)]["users"]
        else:
            assert deltas[day]["users"] == expected_users  # the day before is not written
    page.goto(f"{dev.url}/runs/b/{backfill_id}")
    expect(page.get_by_text("100% completed").first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "3_backfill.png")


def test_4_the_asset_page_shows_row_counts_the_column_schema_and_the_checks(dev, page):
    from playwright.sync_api import expect

    page.goto(f"{dev.url}/assets/user")
    expect(page.get_by_text("prospects", exact=True).first).to_be_visible()
    expect(page.get_by_text("users who joined before the day ended").first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "4_asset_overview.png", full_page=True)
    page.get_by_role("button", name="Plots").click()
    expect(page.get_by_text("dagster/row_count").first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "4_row_count_plot.png", full_page=True)
    page.goto(f"{dev.url}/assets/user?view=partitions")
    expect(page.get_by_text(re.compile(r"Materialized \(1[3-9]\)")).first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "4_partitions.png")
    page.goto(f"{dev.url}/assets/user?view=checks")
    for check in ("one_row_per_day", "no_missing_days", "monotonic_fields"):
        expect(page.get_by_text(check, exact=True).first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "4_checks.png", full_page=True)
