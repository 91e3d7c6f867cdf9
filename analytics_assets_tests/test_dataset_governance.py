"""The dataset carries the configured description, labels and group access, reconciled every run.

On the emulator (bqemulator 1.4.0, which stores access entries, labels and descriptions
as sent and replaces them on PATCH): creation, reconciliation through a Dagster run and
through ``ensure_dataset``, entries it does not manage kept, no update when nothing
changed. As pure logic only (the emulator cannot show them): that BigQuery's default
entries survive (the emulator adds none), and etag conflicts (the emulator ignores
``If-Match``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pytest
from google.cloud import bigquery
from google.cloud.bigquery.dataset import Condition

from analytics_assets.environments import load_world
from analytics_assets.extract import DateAggregatedExtractor
from analytics_assets.settings import SettingsError, load_settings
from analytics_assets.testing import materialize
from analytics_assets.warehouse.dataset_governance import (
    ACCESS_RECORD_PREFIX,
    DEFAULT_DATASET_DESCRIPTION,
    DatasetPolicy,
    desired_access,
    reconcile,
    recorded_groups,
)
from analytics_assets.warehouse.resource import BigQueryWarehouse

TEAM = "Daily analytics of the shop, owned by the data team."
ANALYSTS, FINANCE, LOADERS = "analysts@example.com", "finance@example.com", "loaders@example.com"
BY_HAND = "auditors@example.com"
UNTIL_2030 = "request.time < timestamp('2030-01-01T00:00:00Z')"


@dataclass
class Visits:
    visits: int


class VisitsExtractor(DateAggregatedExtractor[Visits]):
    source = "python"

    def extract(self, start: dt.datetime, end: dt.datetime):
        yield Visits(start.day)


def governed(warehouse: BigQueryWarehouse, **governance: Any) -> BigQueryWarehouse:
    """The same dataset on the same emulator, with ``governance`` configured."""
    return BigQueryWarehouse(
        project=warehouse.project,
        dataset=warehouse.dataset,
        location=warehouse.location,
        emulator_url=warehouse.emulator_url,
        **governance,
    )


def group(role: str, email: str) -> bigquery.AccessEntry:
    return bigquery.AccessEntry(role, "groupByEmail", email)


def api(entries: list[bigquery.AccessEntry]) -> list[dict[str, Any]]:
    """Access entries as the REST API spells them, in a stable order."""
    return sorted((e.to_api_repr() for e in entries), key=lambda e: json.dumps(e, sort_keys=True))


def access(dataset: bigquery.Dataset) -> list[dict[str, Any]]:
    return api(dataset.access_entries)


#: Entries someone else put on the dataset; none of them is ever touched.
NOT_OURS = [
    bigquery.AccessEntry("OWNER", "specialGroup", "projectOwners"),
    bigquery.AccessEntry("READER", "specialGroup", "projectReaders"),
    bigquery.AccessEntry("OWNER", "userByEmail", "loader@acme.iam.gserviceaccount.com"),
    bigquery.AccessEntry("READER", "domain", "example.com"),
    bigquery.AccessEntry("roles/bigquery.dataViewer", "iamMember", "group:bi@example.com"),
    bigquery.AccessEntry.from_api_repr(
        {"view": {"projectId": "local-project", "datasetId": "marts", "tableId": "kpis"}}
    ),
    group("READER", BY_HAND),
    group("OWNER", ANALYSTS),
]


# --- on the emulator -----------------------------------------------------------------------


def test_a_run_creates_the_dataset_with_location_description_labels_and_groups(
    warehouse, bq_client
):
    configured = governed(
        warehouse,
        dataset_description=TEAM,
        dataset_labels={"team": "data", "cost-center": "analytics"},
        reader_groups=[ANALYSTS, FINANCE],
        writer_groups=[LOADERS],
    )
    assert materialize(VisitsExtractor, configured, "2024-01-02").success

    dataset = bq_client.get_dataset(configured.tables().dataset_id)
    assert dataset.location == "EU"
    assert dataset.description == (
        f"{TEAM}\n\n{ACCESS_RECORD_PREFIX}{ANALYSTS}, {FINANCE}, {LOADERS}"
    )
    assert dataset.labels == {
        "managed-by": "analytics-assets",
        "team": "data",
        "cost-center": "analytics",
    }
    assert access(dataset) == api(
        [group("READER", ANALYSTS), group("READER", FINANCE), group("WRITER", LOADERS)]
    )


def test_a_changed_configuration_is_reconciled_added_role_changed_and_removed(warehouse, bq_client):
    governed(
        warehouse,
        dataset_labels={"team": "data"},
        reader_groups=[ANALYSTS, FINANCE],
    ).tables().ensure_dataset()

    governed(
        warehouse,
        dataset_description=TEAM,
        dataset_labels={"team": "platform", "tier": "gold"},
        reader_groups=[LOADERS],
        writer_groups=[ANALYSTS],
    ).tables().ensure_dataset()

    dataset = bq_client.get_dataset(warehouse.tables().dataset_id)
    assert access(dataset) == api([group("WRITER", ANALYSTS), group("READER", LOADERS)])
    assert dataset.description == f"{TEAM}\n\n{ACCESS_RECORD_PREFIX}{ANALYSTS}, {LOADERS}"
    assert dataset.labels == {"managed-by": "analytics-assets", "team": "platform", "tier": "gold"}


def test_entries_and_labels_it_does_not_manage_are_kept(warehouse, bq_client):
    dataset = bigquery.Dataset(warehouse.tables().dataset_id)
    dataset.location = "EU"
    dataset.labels = {"owner": "finance"}
    dataset.access_entries = NOT_OURS
    bq_client.create_dataset(dataset)

    governed(warehouse, reader_groups=[ANALYSTS], writer_groups=[LOADERS]).tables().ensure_dataset()
    with_groups = bq_client.get_dataset(dataset)
    governed(warehouse).tables().ensure_dataset()  # every group removed from the configuration
    without_groups = bq_client.get_dataset(dataset)

    assert access(with_groups) == api(
        [*NOT_OURS, group("READER", ANALYSTS), group("WRITER", LOADERS)]
    )
    assert access(without_groups) == api(NOT_OURS)
    assert without_groups.labels == {"owner": "finance", "managed-by": "analytics-assets"}
    assert without_groups.description == DEFAULT_DATASET_DESCRIPTION


def test_a_hand_added_group_that_becomes_configured_is_managed_from_then_on(warehouse, bq_client):
    governed(warehouse).tables().ensure_dataset()
    dataset = bq_client.get_dataset(warehouse.tables().dataset_id)
    dataset.access_entries = [group("READER", BY_HAND)]
    bq_client.update_dataset(dataset, ["access_entries"])

    governed(warehouse, writer_groups=[BY_HAND]).tables().ensure_dataset()
    assert access(bq_client.get_dataset(dataset)) == api([group("WRITER", BY_HAND)])
    governed(warehouse).tables().ensure_dataset()
    assert access(bq_client.get_dataset(dataset)) == []


def test_a_dataset_that_already_matches_is_not_updated(warehouse, bq_client):
    configured = governed(warehouse, dataset_labels={"team": "data"}, reader_groups=[ANALYSTS])
    first = configured.tables().ensure_dataset()
    again = configured.tables().ensure_dataset()
    assert again.etag == first.etag == bq_client.get_dataset(first).etag


def test_a_dataset_created_before_governance_is_left_as_is_with_default_settings(
    warehouse, bq_client
):
    dataset = bigquery.Dataset(warehouse.tables().dataset_id)
    dataset.location = "EU"
    dataset.labels = {"managed-by": "analytics-assets"}
    dataset.description = DEFAULT_DATASET_DESCRIPTION
    created = bq_client.create_dataset(dataset)
    assert warehouse.tables().ensure_dataset().etag == created.etag


def test_a_label_removed_from_the_configuration_stays_on_the_dataset(warehouse, bq_client):
    governed(warehouse, dataset_labels={"team": "data", "tier": "gold"}).tables().ensure_dataset()
    governed(warehouse, dataset_labels={"team": "data"}).tables().ensure_dataset()
    labels = bq_client.get_dataset(warehouse.tables().dataset_id).labels
    assert labels == {"managed-by": "analytics-assets", "team": "data", "tier": "gold"}


def test_a_lost_access_record_removes_nothing_and_is_written_again(warehouse, bq_client):
    governed(warehouse, reader_groups=[ANALYSTS, FINANCE]).tables().ensure_dataset()
    dataset = bq_client.get_dataset(warehouse.tables().dataset_id)
    dataset.description = "Edited by hand."
    bq_client.update_dataset(dataset, ["description"])

    governed(warehouse, reader_groups=[ANALYSTS]).tables().ensure_dataset()

    dataset = bq_client.get_dataset(dataset)
    assert access(dataset) == api([group("READER", ANALYSTS), group("READER", FINANCE)])
    assert (
        dataset.description == f"{DEFAULT_DATASET_DESCRIPTION}\n\n{ACCESS_RECORD_PREFIX}{ANALYSTS}"
    )


# --- pure logic: what the emulator cannot show --------------------------------------------


def test_bigquerys_default_entries_and_conditional_grants_are_never_managed():
    conditional = bigquery.AccessEntry(
        "READER",
        "groupByEmail",
        FINANCE,
        condition=Condition(UNTIL_2030),
    )
    current = [*NOT_OURS, conditional, group("READER", FINANCE), group("WRITER", LOADERS)]
    policy = DatasetPolicy.from_groups("", {}, readers=[], writers=[FINANCE])

    desired = desired_access(current, frozenset({FINANCE, LOADERS}), policy)

    assert api(desired) == api([*NOT_OURS, conditional, group("WRITER", FINANCE)])


def test_reconcile_reports_only_the_fields_that_change():
    dataset = bigquery.Dataset("local-project.analytics")
    dataset.labels = {"managed-by": "analytics-assets"}
    dataset.description = DEFAULT_DATASET_DESCRIPTION
    assert reconcile(dataset, DatasetPolicy()) == []
    policy = DatasetPolicy.from_groups("", {}, readers=[ANALYSTS.upper()], writers=[])
    assert reconcile(dataset, policy) == ["access_entries", "description"]
    assert recorded_groups(dataset.description) == {ANALYSTS}
    assert reconcile(dataset, policy) == []


# --- settings -------------------------------------------------------------------------------


def settings_error(monkeypatch: pytest.MonkeyPatch, **environ: str) -> str:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    return str(raised.value)


def test_governance_settings_reach_the_warehouse(monkeypatch):
    monkeypatch.setenv("BIGQUERY_DATASET_DESCRIPTION", TEAM)
    monkeypatch.setenv("BIGQUERY_DATASET_LABELS", " team=data , cost-center=analytics,empty=")
    monkeypatch.setenv("BIGQUERY_READER_GROUPS", f"Analysts@Example.com, {FINANCE},{ANALYSTS}")
    monkeypatch.setenv("BIGQUERY_WRITER_GROUPS", LOADERS)
    policy = load_world(load_settings()).warehouse.dataset_policy()
    assert policy == DatasetPolicy(
        description=TEAM,
        labels={"team": "data", "cost-center": "analytics", "empty": ""},
        group_roles={ANALYSTS: "READER", FINANCE: "READER", LOADERS: "WRITER"},
    )


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ("team", "BIGQUERY_DATASET_LABELS: 'team' is not key=value"),
        (
            "Team=data",
            "BIGQUERY_DATASET_LABELS: label key 'Team' is invalid: 1 to 63 lowercase letters, "
            "digits, underscores and hyphens, starting with a lowercase letter",
        ),
        (
            "team=Data Team",
            "BIGQUERY_DATASET_LABELS: value 'Data Team' of label team is invalid: at most 63 "
            "lowercase letters, digits, underscores and hyphens",
        ),
        (
            f"team={'x' * 64}",
            f"BIGQUERY_DATASET_LABELS: value '{'x' * 64}' of label team is invalid: at most 63 "
            "lowercase letters, digits, underscores and hyphens",
        ),
        (
            "managed-by=me",
            "BIGQUERY_DATASET_LABELS: label managed-by is set by analytics_assets itself",
        ),
        ("team=a,team=b", "BIGQUERY_DATASET_LABELS: label team is given twice"),
    ],
)
def test_a_bad_label_is_refused_naming_the_variable(monkeypatch, labels, message):
    assert settings_error(monkeypatch, BIGQUERY_DATASET_LABELS=labels) == message


def test_a_bad_group_email_is_refused_naming_the_variable(monkeypatch):
    assert settings_error(monkeypatch, BIGQUERY_WRITER_GROUPS=f"{LOADERS},analysts") == (
        "BIGQUERY_WRITER_GROUPS: 'analysts' is not an email address (e.g. analysts@example.com)"
    )


def test_a_group_with_two_roles_is_refused_naming_both_variables(monkeypatch):
    message = settings_error(
        monkeypatch, BIGQUERY_READER_GROUPS=ANALYSTS, BIGQUERY_WRITER_GROUPS=ANALYSTS.upper()
    )
    assert message == (
        f"BIGQUERY_WRITER_GROUPS: {ANALYSTS} is also in BIGQUERY_READER_GROUPS: give each "
        "group one role (WRITER can read too)"
    )


def test_a_too_long_description_is_refused_naming_the_variable(monkeypatch):
    assert settings_error(monkeypatch, BIGQUERY_DATASET_DESCRIPTION="x" * 8193) == (
        "BIGQUERY_DATASET_DESCRIPTION: 8193 characters; at most 8192 (BigQuery keeps 16,384, "
        "the rest holds the record of the groups analytics_assets manages)"
    )
