"""Asset checks read back what landed in BigQuery and report it in the UI."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

import dagster as dg
import pytest
from google.cloud import bigquery

from analytics_assets.assembly.assets import build_extractor_assets
from analytics_assets.assembly.checks import build_extractor_checks
from analytics_assets.extract import DateAggregatedExtractor, IndividualRowsExtractor, column
from analytics_assets.location import location_resources

#: Five days only, so "no missing days" has a fixed expectation.
FIVE_DAYS = dg.DailyPartitionsDefinition(
    start_date="2024-01-01", end_date="2024-01-06", timezone="Europe/Paris"
)
SOURCE: dict[str, Any] = {}


@dataclass
class Signups:
    signups: int = column(differentiate=True)


class SignupsExtractor(DateAggregatedExtractor[Signups]):
    source = "python"

    def extract(self, start: dt.datetime, end: dt.datetime):
        yield Signups(SOURCE["signups"][start.date().isoformat()])


@dataclass
class Visit:
    timestamp: dt.datetime
    page: str


class VisitExtractor(IndividualRowsExtractor[Visit]):
    source = "python"

    def extract(self, start: dt.datetime, end: dt.datetime):
        for hour in range(SOURCE["visits_per_day"]):
            yield Visit(start + dt.timedelta(hours=hour), "/home")


@pytest.fixture(autouse=True)
def source():
    SOURCE.clear()
    SOURCE["signups"] = {f"2024-01-0{d}": 10 * d for d in range(1, 6)}
    SOURCE["visits_per_day"] = 3


def _run(
    extractor, warehouse, selection=None, tags=None, raise_on_error=True
) -> dg.ExecuteInProcessResult:
    definitions = [
        *build_extractor_assets([extractor], FIVE_DAYS, f"{warehouse.project}.{warehouse.dataset}"),
        *build_extractor_checks(extractor.table, FIVE_DAYS),
    ]
    return dg.materialize(
        definitions,
        resources=location_resources(warehouse, {}),
        selection=selection,
        tags=tags,
        raise_on_error=raise_on_error,
    )


def _checks(
    extractor, warehouse, first, last, selection=None
) -> dict[str, dg.AssetCheckEvaluation]:
    tags = {
        "dagster/asset_partition_range_start": first,
        "dagster/asset_partition_range_end": last,
    }
    result = _run(extractor, warehouse, selection, tags)
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def test_a_complete_increasing_history_passes_every_check(warehouse):
    checks = _checks(SignupsExtractor, warehouse, "2024-01-01", "2024-01-05")
    assert {name: c.passed for name, c in checks.items()} == {
        "schema_matches_declaration": True,
        "one_row_per_day": True,
        "no_missing_days": True,
        "monotonic_fields": True,
    }
    assert checks["one_row_per_day"].metadata["days_checked"].value == 5


def test_missing_days_are_listed_as_a_warning(warehouse):
    checks = _checks(SignupsExtractor, warehouse, "2024-01-02", "2024-01-03")
    missing = checks["no_missing_days"]
    assert not missing.passed
    assert missing.severity == dg.AssetCheckSeverity.WARN
    assert missing.metadata["missing_days"].value == "2024-01-01, 2024-01-04, 2024-01-05"


def test_a_decreasing_cumulative_field_is_a_warning_naming_the_day(warehouse):
    SOURCE["signups"]["2024-01-04"] = 5
    checks = _checks(SignupsExtractor, warehouse, "2024-01-01", "2024-01-05")
    monotonic = checks["monotonic_fields"]
    assert not monotonic.passed
    assert monotonic.severity == dg.AssetCheckSeverity.WARN
    assert monotonic.metadata["decreasing_days"].value == "2024-01-04"


def test_individual_rows_in_bigquery_match_the_rows_read_from_the_source(warehouse):
    checks = _checks(VisitExtractor, warehouse, "2024-01-02", "2024-01-04")
    assert set(checks) == {"schema_matches_declaration", "rows_match_source"}
    match = checks["rows_match_source"]
    assert match.passed
    assert match.metadata["source_rows"].value == 9
    assert match.metadata["bigquery_rows"].value == 9


def test_a_table_changed_behind_the_extractors_back_fails_the_schema_check(warehouse, bq_client):
    _checks(SignupsExtractor, warehouse, "2024-01-01", "2024-01-01")
    table = bq_client.get_table(warehouse.table_id("signups"))
    table.schema = [*table.schema, bigquery.SchemaField("note", "STRING")]
    bq_client.update_table(table, ["schema"])
    key = dg.AssetCheckKey(dg.AssetKey("signups"), "schema_matches_declaration")
    checks = _checks(
        SignupsExtractor, warehouse, "2024-01-01", "2024-01-01", dg.AssetSelection.checks(key)
    )
    schema = checks["schema_matches_declaration"]
    assert not schema.passed
    assert (
        schema.metadata["differences"].value == "column note STRING NULLABLE is no longer declared"
    )


def test_checks_that_cannot_query_fail_the_step_naming_each_and_the_others_still_report(
    warehouse, bq_client
):
    _checks(SignupsExtractor, warehouse, "2024-01-01", "2024-01-01")
    bq_client.delete_table(warehouse.table_id("signups"))
    checks_only = dg.AssetSelection.checks_for_assets(dg.AssetKey("signups"))
    result = _run(SignupsExtractor, warehouse, checks_only, raise_on_error=False)
    assert not result.success
    # The run has no partition: one_row_per_day has no day to query, and still reports.
    (evaluated,) = result.get_asset_check_evaluations()
    assert (evaluated.check_name, evaluated.passed) == ("one_row_per_day", True)
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    message = failure.step_failure_data.error.cause.message  # type: ignore[union-attr]
    assert message.startswith("analytics_assets.assembly.checks.CheckExecutionError: checks of ")
    for name in ("schema_matches_declaration", "no_missing_days", "monotonic_fields"):
        assert f"{name}: NotFound" in message


def test_each_check_of_a_table_runs_alone_when_selected_alone(warehouse):
    _checks(SignupsExtractor, warehouse, "2024-01-01", "2024-01-02")
    key = dg.AssetCheckKey(dg.AssetKey("signups"), "no_missing_days")
    checks = _checks(
        SignupsExtractor, warehouse, "2024-01-01", "2024-01-02", dg.AssetSelection.checks(key)
    )
    assert list(checks) == ["no_missing_days"]
    assert (
        checks["no_missing_days"].metadata["missing_days"].value
        == "2024-01-03, 2024-01-04, 2024-01-05"
    )
