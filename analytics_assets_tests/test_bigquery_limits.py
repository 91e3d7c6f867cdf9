"""What real BigQuery refuses and the emulator accepts is refused before a run writes, with one
error naming the setting; what only BigQuery can tell (an unknown group, a conditional grant,
a concurrent writer) is handled the way BigQuery answers it.

The BigQuery answers come from a loopback proxy in front of the emulator
(:mod:`analytics_assets_tests.bigquery_proxy`) that answers as BigQuery does where the
emulator is lenient: 404 ``Not found: Email`` for a group it does not know, conditional
access entries stripped of their condition unless access policy version 3 is asked for,
``Transaction is aborted due to concurrent update`` for a writer that lost a race.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from google.cloud import bigquery
from google.cloud.bigquery.dataset import Condition

from analytics_assets.environments import load_world
from analytics_assets.extract import DateAggregatedExtractor
from analytics_assets.settings import load_settings
from analytics_assets.testing import materialize, table_rows
from analytics_assets.warehouse.dataset_governance import (
    ACCESS_RECORD_PREFIX,
    DatasetPolicy,
    recorded_groups,
)
from analytics_assets.warehouse.resource import BigQueryWarehouse
from analytics_assets_tests.bigquery_proxy import (
    Answer,
    BigQueryProxy,
    Request,
    bigquery_error,
    bigquery_proxy,
)
from analytics_assets_tests.dates import day
from analytics_assets_tests.test_dataset_governance import (
    ANALYSTS,
    BY_HAND,
    FINANCE,
    UNTIL_2030,
    VisitsExtractor,
    group,
    settings_error,
)

GHOST = "ghost@example.com"


# --- refused when the settings load -----------------------------------------------------------


@pytest.mark.parametrize("location", ["EU'; DROP TABLE x; --", "europe west1", "Mars", ""])
def test_a_location_bigquery_does_not_have_is_refused_naming_the_variable(monkeypatch, location):
    if not location:
        location = "europe-west"
    assert settings_error(monkeypatch, BIGQUERY_LOCATION=location) == (
        f"BIGQUERY_LOCATION: {location!r} is not a BigQuery location: US, EU, or a region such "
        "as europe-west1 or us-central1 (lowercase letters, one hyphen, the region's number)"
    )


@pytest.mark.parametrize("location", ["EU", "US", "eu", "europe-west1", "northamerica-northeast2"])
def test_bigquery_locations_are_accepted(monkeypatch, location):
    monkeypatch.setenv("BIGQUERY_LOCATION", location)
    assert load_settings().bigquery_location == location


def test_maximum_bytes_billed_under_bigquery_s_minimum_is_refused_naming_the_variable(
    monkeypatch,
):
    assert settings_error(monkeypatch, BIGQUERY_MAXIMUM_BYTES_BILLED="1000000") == (
        "BIGQUERY_MAXIMUM_BYTES_BILLED: 1,000,000 bytes is under BigQuery's minimum of "
        "10,485,760 (10 MiB): every query would be refused; raise it or leave it unset (no limit)"
    )


def test_a_catch_up_chunk_longer_than_bigquery_s_partitions_per_job_is_refused(monkeypatch):
    assert settings_error(monkeypatch, ANALYTICS_CATCH_UP_CHUNK_DAYS="4001") == (
        "ANALYTICS_CATCH_UP_CHUNK_DAYS=4001 is out of range (1 to 4000)"
    )


def test_a_description_and_group_record_bigquery_cannot_keep_are_refused(monkeypatch):
    readers = ",".join(f"analysts-team-{n:03d}@example.com" for n in range(300))
    message = settings_error(
        monkeypatch, BIGQUERY_DATASET_DESCRIPTION="x" * 8_000, BIGQUERY_READER_GROUPS=readers
    )
    assert message.startswith(
        "BIGQUERY_DATASET_DESCRIPTION, BIGQUERY_READER_GROUPS, BIGQUERY_WRITER_GROUPS: the "
        "description (8,000 characters) and the record of the 300 managed groups make "
    )
    assert message.endswith(
        "characters; BigQuery keeps at most 16,384: shorten BIGQUERY_DATASET_DESCRIPTION or "
        "configure fewer groups"
    )


def test_a_description_holding_a_copy_of_the_access_record_is_refused(monkeypatch):
    forged = f"Team data.\n{ACCESS_RECORD_PREFIX}{BY_HAND}"
    assert settings_error(monkeypatch, BIGQUERY_DATASET_DESCRIPTION=forged) == (
        "BIGQUERY_DATASET_DESCRIPTION: a line starts with 'Access managed by analytics_assets "
        "for groups:', the record analytics_assets writes itself of the groups it manages (a "
        "copy would make it remove groups it never granted): remove that line"
    )
    with pytest.raises(ValueError, match="a line starts with"):
        DatasetPolicy.from_groups(forged, {}, [ANALYSTS], [])


def test_only_the_record_written_last_after_a_blank_line_names_managed_groups():
    record = f"{ACCESS_RECORD_PREFIX}{ANALYSTS}"
    assert recorded_groups(f"Team data.\n\n{record}") == {ANALYSTS}
    assert recorded_groups(f"{record}\nmore text") == frozenset()
    assert recorded_groups(f"Team data.\n{record}") == frozenset()


def test_credentials_in_the_ui_url_are_refused_they_would_reach_every_notification(
    monkeypatch,
):
    message = settings_error(monkeypatch, ANALYTICS_UI_URL="https://ops:hunter22@dagster.acme")
    assert message.startswith("ANALYTICS_UI_URL: the URL holds user info")
    assert "hunter22" not in message


def test_maximum_bytes_billed_reaches_the_warehouse_and_every_query_job(monkeypatch, warehouse):
    monkeypatch.setenv("BIGQUERY_MAXIMUM_BYTES_BILLED", "50_000_000")
    assert load_world(load_settings()).warehouse.maximum_bytes_billed == 50_000_000
    with bigquery_proxy(warehouse.emulator_url) as proxy:
        through = _through(proxy, warehouse, maximum_bytes_billed=50_000_000)
        assert materialize(VisitsExtractor, through, "2024-01-02").success
    configurations = [r.body["configuration"] for r in proxy.asked("POST", "/jobs") if r.body]
    jobs = [c["query"] for c in configurations if "query" in c]
    assert jobs and {job.get("maximumBytesBilled") for job in jobs} == {"50000000"}


# --- refused before a run writes ----------------------------------------------------------


@dataclass
class Count:
    n: int


CALLED: list[dt.datetime] = []


class CountExtractor(DateAggregatedExtractor[Count]):
    source = "python"

    def extract(self, start: dt.datetime, end: dt.datetime):
        CALLED.append(start)
        yield Count(1)


def test_a_run_over_more_days_than_one_bigquery_job_modifies_is_refused_before_extracting(
    warehouse,
):
    CALLED.clear()
    run = materialize(CountExtractor, warehouse, "2010-01-01", "2020-12-15", raise_on_error=False)
    assert not run.success
    assert run.errors[-1] == (
        "TooManyDaysError: table count: this run covers 4,002 days (2010-01-01 to 2020-12-15), "
        "but one BigQuery job modifies at most 4,000 partitions: materialize ranges of at most "
        "4,000 days (a backfill of a longer range is split into runs of that size by itself); "
        "nothing was written"
    )
    assert CALLED == []
    datasets = [d.dataset_id for d in warehouse.get_client().list_datasets()]
    assert warehouse.dataset not in datasets  # nothing was created, nothing written


def test_a_warehouse_with_a_location_bigquery_does_not_have_fails_before_any_call(warehouse):
    bad = BigQueryWarehouse(
        project=warehouse.project,
        dataset=warehouse.dataset,
        location="EU'; DROP TABLE x; --",
        emulator_url=warehouse.emulator_url,
    )
    run = materialize(VisitsExtractor, bad, "2024-01-02", raise_on_error=False)
    assert not run.success
    assert 'BIGQUERY_LOCATION: "EU\'; DROP TABLE x; --" is not a BigQuery location' in (
        "\n".join(run.errors)
    )


# --- what only BigQuery can tell, answered as BigQuery does --------------------------------


def _through(
    proxy: BigQueryProxy, warehouse: BigQueryWarehouse, **config: Any
) -> BigQueryWarehouse:
    return BigQueryWarehouse(
        project=warehouse.project,
        dataset=warehouse.dataset,
        location=warehouse.location,
        emulator_url=proxy.url,
        **config,
    )


def _dataset_update(request: Request) -> bool:
    return request.method in ("PATCH", "PUT") and "/datasets/" in request.path


def _unknown_email(request: Request) -> Answer | None:
    """BigQuery refuses an access list naming a group that does not exist."""
    if _dataset_update(request) and request.body:
        for entry in request.body.get("access", []):
            if entry.get("groupByEmail") == GHOST:
                return bigquery_error(404, "notFound", f"Not found: Email {GHOST}")
    return None


@pytest.fixture
def proxy(warehouse) -> Iterator[BigQueryProxy]:
    with bigquery_proxy(warehouse.emulator_url) as running:
        yield running


def test_a_group_bigquery_does_not_know_fails_the_run_once_naming_the_variable(warehouse, proxy):
    proxy.rules.append(_unknown_email)
    through = _through(proxy, warehouse, reader_groups=[ANALYSTS], writer_groups=[GHOST])
    run = materialize(VisitsExtractor, through, "2024-01-02", raise_on_error=False)
    assert not run.success
    message = run.errors[-1]
    assert message.startswith(
        f"DatasetGovernanceError: BIGQUERY_WRITER_GROUPS: BigQuery does not know the group "
        f"{GHOST} (404 PATCH "
    )
    assert message.endswith(
        f"Not found: Email {GHOST}); nothing was written. Create the group (Google Workspace "
        "or Cloud Identity), or correct or remove it in BIGQUERY_WRITER_GROUPS"
    )
    assert len([r for r in proxy.requests if _dataset_update(r)]) == 1  # not retried
    assert proxy.asked("POST", "/jobs") == []  # no write was started


CONDITIONAL = bigquery.AccessEntry(
    "READER", "groupByEmail", FINANCE, condition=Condition(UNTIL_2030, title="until 2030")
)


def _holds_a_conditional_grant(request: Request, body: Any) -> Any:
    """The dataset as BigQuery answers it with a conditional grant (which the emulator cannot
    store): with its condition at access policy version 3, without it below."""
    if "/datasets/" in request.path and request.method in ("GET", "PATCH"):
        entry = CONDITIONAL.to_api_repr()
        if request.query.get("accessPolicyVersion") != "3":
            entry.pop("condition")
        body["access"] = [e for e in body.get("access", []) if e.get("groupByEmail") != FINANCE]
        body["access"].append(entry)
    return body


def _refuse_conditions_below_version_3(request: Request) -> Answer | None:
    entries = (request.body or {}).get("access", []) if _dataset_update(request) else []
    if request.query.get("accessPolicyVersion") != "3" and any("condition" in e for e in entries):
        return bigquery_error(400, "invalid", "IAM conditions need access policy version 3")
    return None


def test_a_conditional_grant_is_read_and_sent_back_intact_at_access_policy_version_3(
    warehouse, proxy
):
    warehouse.tables().ensure_dataset()
    proxy.rewrites.append(_holds_a_conditional_grant)
    proxy.rules.append(_refuse_conditions_below_version_3)

    _through(proxy, warehouse, reader_groups=[ANALYSTS]).tables().ensure_dataset()

    dataset_calls = [r for r in proxy.requests if "/datasets/" in r.path]
    assert [r.method for r in dataset_calls] == ["GET", "PATCH"]
    assert {r.query.get("accessPolicyVersion") for r in dataset_calls} == {"3"}
    sent = dataset_calls[-1].body["access"]
    assert CONDITIONAL.to_api_repr() in sent  # never the unconditional form of the grant
    assert group("READER", ANALYSTS).to_api_repr() in sent
    assert [e for e in sent if e.get("groupByEmail") == FINANCE] == [CONDITIONAL.to_api_repr()]


def _failing_first_replace(message: str) -> Any:
    """The first day replace fails with ``message`` (a 400, as BigQuery answers it)."""

    def rule(request: Request) -> Answer | None:
        query = ((request.body or {}).get("configuration") or {}).get("query", {}).get("query")
        if request.method == "POST" and "MERGE" in (query or "") and not FAILED:
            FAILED.append(request)
            return bigquery_error(400, "invalidQuery", message)
        return None

    return rule


FAILED: list[Request] = []
CONCURRENT_ABORT = (
    "Transaction is aborted due to concurrent update against table "
    "local-project:analytics.visits. Transaction ID: 1a2b3c"
)


def test_a_day_replace_aborted_by_a_concurrent_update_is_run_again_and_lands(warehouse, proxy):
    FAILED.clear()
    proxy.rules.append(_failing_first_replace(CONCURRENT_ABORT))
    through = _through(proxy, warehouse)
    assert materialize(VisitsExtractor, through, "2024-01-02").success
    assert len(FAILED) == 1
    merges = [r for r in proxy.asked("POST", "/jobs") if "MERGE" in str(r.body)]
    assert len(merges) == 2
    assert table_rows(warehouse, "visits") == [{"date": day("2024-01-02"), "visits": 2}]


def test_a_day_replace_refused_for_another_reason_is_not_run_again(warehouse, proxy):
    FAILED.clear()
    proxy.rules.append(_failing_first_replace("Syntax error: Unexpected keyword MERGE"))
    through = _through(proxy, warehouse)
    run = materialize(VisitsExtractor, through, "2024-01-02", raise_on_error=False)
    assert not run.success
    assert any("Syntax error: Unexpected keyword MERGE" in error for error in run.errors)
    assert len([r for r in proxy.asked("POST", "/jobs") if "MERGE" in str(r.body)]) == 1
