"""A user's day in the real UI: the demo catch-up, its checks, lineage, one partition, a backfill.

Runs the Quickstart's start command (`analytics-assets dev`, docs/quickstart.md) on a temporary
instance, a fresh emulator and a fresh demo database, with the automation on as after a fresh
clone: the catch-up sensor builds the demo history first. Its terminal output, its checks and
its metadata are checked; then Debian's Chromium (Playwright) drives the UI, and what lands
in BigQuery is compared with the demo database read with plain SQL. Screenshots of each
step go to artifacts/browser/ (git-ignored); with ANALYTICS_DOCS_SCREENSHOTS=docs/images the
docs' pictures are taken too (screenshots.py).
"""

import datetime as dt
import os
import re
import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from analytics_assets.extract import day_window, last_complete_day
from analytics_assets.testing import emulator_client
from analytics_assets_tests.dagster_dev import DagsterDev, dagster_dev
from analytics_assets_tests.screenshots import ARTIFACTS as SCREENSHOTS
from analytics_assets_tests.screenshots import shoot, viewport

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PARIS = ZoneInfo("Europe/Paris")
#: 30 days of history: one catch-up run, short enough to carry its checks, which evaluate
#: each day (a longer history has its checks run once, after: test_testing_kit.py).
HISTORY_DAYS = 29
#: The data checks of each extractor (evaluated per day), besides its freshness check.
CHECKS_PER_ASSET = {"user": 4, "contract": 4, "email": 2, "support_ticket": 2}
FRESHNESS = "latest_day_on_time"
#: Both groups of the global lineage opened, as the Quickstart's link does (docs/quickstart.md).
LINEAGE = "/asset-groups?expanded=global@global:extractors,global@global:delta_views"

pytestmark = pytest.mark.browser

CHECKS_QUERY = """{ assetNodes { assetKey { path } assetChecksOrError { ... on AssetChecks {
  checks { name partitionStatuses { ... on AssetCheckTimePartitionStatuses {
    ranges { startKey endKey status } } } } } } } }"""
HISTORY_QUERY = """query($asset: AssetKeyInput!, $check: String!) {
  assetCheckExecutions(assetKey: $asset, checkName: $check, limit: 1000) {
    runId status partition } }"""


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
    ) as server:
        yield server


@pytest.fixture(scope="module")
def catch_up(dev) -> dict:
    """The demo catch-up's one run (every asset over the whole history)."""
    (run,) = dev.wait_for_runs("analytics/catch_up", "missing", 1)
    assert run["status"] == "SUCCESS"
    tags = {t["key"]: t["value"] for t in run["tags"]}
    first = dt.date.fromisoformat(tags["dagster/asset_partition_range_start"])
    last = dt.date.fromisoformat(tags["dagster/asset_partition_range_end"])
    return {
        "run_id": run["runId"],
        "days": [first + dt.timedelta(n) for n in range((last - first).days + 1)],
    }


@pytest.fixture(scope="module")
def page(dev):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=60_000)
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=viewport())
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


def _check_days(dev: DagsterDev) -> dict[tuple[str, str], Counter]:
    """Per (asset, check): how many days each status covers on the check's Partitions tab."""
    found = {}
    for node in dev.graphql(CHECKS_QUERY)["assetNodes"]:
        for check in (node["assetChecksOrError"] or {}).get("checks", []):
            days: Counter = Counter()
            for r in (check["partitionStatuses"] or {}).get("ranges", []):
                start, end = (
                    dt.date.fromisoformat(r["startKey"]),
                    dt.date.fromisoformat(r["endKey"]),
                )
                days[r["status"]] += (end - start).days + 1
            found[node["assetKey"]["path"][0], check["name"]] = days
    return found


def _history(dev: DagsterDev, asset: str, check: str) -> list[dict]:
    variables = {"asset": {"path": [asset]}, "check": check}
    return dev.graphql(HISTORY_QUERY, variables)["assetCheckExecutions"]


def test_0_the_catch_up_terminal_shows_start_up_and_runs_not_a_line_per_day(dev, catch_up):
    lines = dev.log_path.read_text(errors="replace").splitlines()
    assert f"Dagster UI ready at {dev.url}" in lines
    run = catch_up["run_id"]
    assert any(f"{run}" in line and "RUN_START" in line for line in lines)
    assert any(f"{run}" in line and "RUN_SUCCESS" in line for line in lines)
    for absent in ("WARNING", "Warning", "superseded", "Materialized value", "ASSET_CHECK"):
        assert not [line for line in lines if absent in line], absent
    without_time = [re.sub(r"^\S+ \S+ [+-]\d{4} - ", "", line) for line in lines]
    # the freshness sensor names the day due (before 06:00 the day before yesterday) when its
    # verdict changes: late at the first tick, on time once the catch-up wrote the day
    freshness = [line for line in without_time if FRESHNESS in line]
    assert len(freshness) <= 2 * len(CHECKS_PER_ASSET), "\n".join(freshness)
    inner_days = [d.isoformat() for d in catch_up["days"][1:-1]]
    per_day = [
        line
        for line in without_time
        if any(day in line for day in inner_days) and FRESHNESS not in line
    ]
    assert per_day == []
    assert len(lines) - len(freshness) < 30, "\n".join(lines)


def test_1_after_the_catch_up_every_check_of_every_asset_passes_on_every_day(dev, page, catch_up):
    from playwright.sync_api import expect

    page.goto(f"{dev.url}/assets/user?view=checks")
    for check in ("one_row_per_day", "no_missing_days", "monotonic_fields"):
        expect(page.get_by_text(check, exact=True).first).to_be_visible()
    expect(page.get_by_text("Succeeded").nth(3)).to_be_visible()  # the four checks
    shoot(page, "1_checks_passing.png", full_page=True, docs="checks.png")
    days = len(catch_up["days"])
    checks = {key: counts for key, counts in _check_days(dev).items() if key[1] != FRESHNESS}
    assert Counter(asset for asset, _ in checks) == CHECKS_PER_ASSET
    assert {key: dict(counts) for key, counts in checks.items()} == {
        key: {"SUCCEEDED": days} for key in checks
    }
    # one history row per day of the run: the catch-up's 30 days, none "Skipped"
    history = _history(dev, "user", "monotonic_fields")
    assert Counter((row["runId"], row["status"]) for row in history) == {
        (catch_up["run_id"], "SUCCEEDED"): days
    }
    page.goto(f"{dev.url}/assets/user?view=checks&checkDetail=monotonic_fields")
    page.get_by_text("Execution history", exact=True).click()
    expect(page.get_by_text(catch_up["days"][-1].isoformat()).first).to_be_visible()
    assert "Skipped" not in page.inner_text("body")
    page.screenshot(path=SCREENSHOTS / "1_check_history.png", full_page=True)


def test_1_the_catch_up_run_is_listed_on_runs_and_shows_its_steps(dev, page, catch_up):
    from playwright.sync_api import expect

    page.goto(f"{dev.url}/runs")
    expect(page.get_by_text(catch_up["run_id"][:8]).first).to_be_visible()
    first, last = catch_up["days"][0], catch_up["days"][-1]
    expect(page.get_by_text(f"analytics/days: {first}..{last}").first).to_be_visible()
    shoot(page, "1_catch_up_runs.png", docs="catch-up-runs.png")
    page.goto(f"{dev.url}/runs/{catch_up['run_id']}")
    expect(page.get_by_text("Success", exact=False).first).to_be_visible()
    shoot(page, "1_catch_up_run.png", docs="catch-up-run.png")


def test_1_each_extractor_is_shown_on_time_once_its_latest_due_day_is_written(dev, page, catch_up):
    from playwright.sync_api import expect

    def latest(asset: str) -> str | None:
        executions = _history(dev, asset, FRESHNESS)
        return executions[0]["status"] if executions else None

    deadline = time.monotonic() + 150  # the sensor looks every minute
    while {latest(asset) for asset in CHECKS_PER_ASSET} != {"SUCCEEDED"}:
        assert time.monotonic() < deadline, {asset: latest(asset) for asset in CHECKS_PER_ASSET}
        time.sleep(3)
    assert _check_days(dev)[("user", FRESHNESS)] == Counter()  # one verdict, not per day
    page.goto(f"{dev.url}/assets/user?view=checks&checkDetail={FRESHNESS}")
    expect(page.get_by_text(FRESHNESS, exact=True).first).to_be_visible()
    expect(page.get_by_text("Succeeded").first).to_be_visible()
    shoot(page, "1_freshness.png", docs="freshness.png")


def test_2_the_quickstart_lineage_link_shows_every_extractor_feeding_its_delta_view(dev, page):
    from playwright.sync_api import expect

    page.goto(f"{dev.url}{LINEAGE}")
    for asset in ("user", "contract", "email", "support_ticket", "user_delta", "contract_delta"):
        expect(page.get_by_text(asset, exact=True).first).to_be_visible()
    expect(page.get_by_text(re.compile("^Loading"))).to_have_count(0)  # the nodes' live data
    shoot(page, "2_lineage.png", docs="lineage.png")
    expect(page.get_by_text("5 / 5 Passed")).to_have_count(2)  # user, contract: 4 + fresh
    expect(page.get_by_text("3 / 3 Passed")).to_have_count(2)  # email, support_ticket
    page.goto(f"{dev.url}/assets/user?view=lineage")
    expect(page.get_by_text("user_delta", exact=True).first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "2_lineage_user.png")
    edges = dev.graphql("{ assetNodes { assetKey { path } dependencyKeys { path } } }")[
        "assetNodes"
    ]
    parents = {n["assetKey"]["path"][0]: [d["path"][0] for d in n["dependencyKeys"]] for n in edges}
    assert parents["user_delta"] == ["user"] and parents["contract_delta"] == ["contract"]


def test_3_one_partition_materialized_from_the_dialog_lands_in_bigquery(dev, page, catch_up):
    from playwright.sync_api import expect

    day = last_complete_day(dt.datetime.now(dt.UTC), PARIS) - dt.timedelta(days=3)
    page.goto(f"{dev.url}/assets/user?view=partitions")
    page.get_by_role("button", name="Materialize…").first.click()
    dialog = page.get_by_role("dialog").filter(has_text="Launch runs to materialize user")
    box = dialog.locator("input[type=text]").first
    box.fill(day.isoformat())
    box.press("Enter")
    expect(dialog.get_by_text("1 partition", exact=True)).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "3_materialize_dialog.png")
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
    page.screenshot(path=SCREENSHOTS / "3_run.png")
    # the run re-checked its one day: one more history row per check, for that day
    rows = [r for r in _history(dev, "user", "one_row_per_day") if r["runId"] == runs[0]["runId"]]
    assert rows == [{"runId": runs[0]["runId"], "status": "SUCCEEDED", "partition": str(day)}]


def test_4_a_backfill_of_two_assets_writes_each_range_in_one_run(dev, page, catch_up):
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
    page.screenshot(path=SCREENSHOTS / "4_backfill_dialog.png")
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
    for offset in range(12):  # the catch-up wrote the day before the range too
        day = first + dt.timedelta(days=offset)
        expected_users, _ = _users_at(dev, day_window(day, PARIS)[1])
        assert users[day]["users"] == expected_users
        assert deltas[day]["users"] == expected_users - users[day - dt.timedelta(1)]["users"]
    page.goto(f"{dev.url}/runs/b/{backfill_id}")
    expect(page.get_by_text("100% completed").first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "4_backfill.png")


def test_5_the_asset_page_plots_each_days_numbers_and_shows_the_column_schema(dev, page, catch_up):
    from playwright.sync_api import expect

    page.goto(f"{dev.url}/assets/user")
    expect(page.get_by_text("prospects", exact=True).first).to_be_visible()
    expect(page.get_by_text("users who joined before the day ended").first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "5_asset_overview.png", full_page=True)
    page.get_by_role("button", name="Plots").click()
    plots = page.get_by_text("When graphing values by partition").locator("..")
    for number in ("users", "prospects", "clients", "table_rows_total", "table_days_present"):
        expect(plots.get_by_text(number, exact=True).first).to_be_visible()
    for run_total in ("rows_written", "days_replaced", "dagster/row_count"):
        expect(page.get_by_text(run_total, exact=True)).to_have_count(0)
    page.get_by_text("Metadata", exact=True).first.evaluate("e => e.scrollIntoView()")
    shoot(page, "5_users_plot.png", full_page=True, docs="asset-plots.png")
    page.goto(f"{dev.url}/assets/user?view=partitions")
    # the catch-up's days, and the newest one when the daily schedule has run since (a run
    # of the suite across local midnight)
    caught_up = len(catch_up["days"])
    shown = re.compile(rf"^Materialized \(({caught_up}|{caught_up + 1})\)$")
    expect(page.get_by_text(shown).first).to_be_visible()
    shoot(page, "5_partitions.png", docs="asset-partitions.png")


def test_5_the_warehouse_resource_page_shows_the_environment_the_location_runs_in(dev, page):
    from playwright.sync_api import expect

    page.goto(f"{dev.url}/locations/analytics_assets/resources/warehouse")
    expect(page.get_by_text("environment", exact=True).first).to_be_visible()
    expect(page.get_by_role("cell", name='"demo"', exact=True)).to_be_visible()
    shoot(page, "5_warehouse_resource.png", docs="warehouse-resource.png")


def test_6_checks_run_alone_fail_on_a_day_whose_rows_were_deleted(dev, page, catch_up):
    from playwright.sync_api import expect

    day = catch_up["days"][10]
    client = emulator_client(dev.emulator_url)
    client.query(f"DELETE FROM `local-project.analytics.user` WHERE date = '{day}'").result()
    page.goto(f"{dev.url}/assets/user?view=checks&checkDetail=one_row_per_day")
    before = dev.run_ids()
    page.get_by_role("button", name="Execute all").click()
    runs = [dev.wait_for_new_run(before)]
    assert [r["status"] for r in runs] == ["SUCCESS"]
    rows = [r for r in _history(dev, "user", "one_row_per_day") if r["runId"] == runs[0]["runId"]]
    assert sorted(rows, key=lambda r: str(r["partition"])) == [
        {"runId": runs[0]["runId"], "status": "FAILED", "partition": str(day)},
        {"runId": runs[0]["runId"], "status": "FAILED", "partition": None},
    ]
    assert dict(_check_days(dev)["user", "one_row_per_day"])["FAILED"] == 1
    page.reload()
    page.get_by_text("Execution history", exact=True).click()
    expect(page.get_by_text(f"{day}: 0 rows, expected exactly 1").first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "6_check_failed_on_deleted_day.png", full_page=True)
