"""Asset checks read back what landed in BigQuery, day by day, and say in the UI what failed.

Each run shares one Dagster instance with the test's other runs, as in `dagster dev`: a run
of the checks alone sees what earlier runs materialized.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

import dagster as dg
import pytest
from google.cloud import bigquery

from analytics_assets.extract import DateAggregatedExtractor, IndividualRowsExtractor, column
from analytics_assets_tests.table_runs import run_assets_and_checks

#: Five days only, so "no missing days" has a fixed expectation.
FIVE_DAYS = dg.DailyPartitionsDefinition(
    start_date="2024-01-01", end_date="2024-01-06", timezone="Europe/Paris"
)
SOURCE: dict[str, Any] = {}
Evaluations = dict[tuple[str, str | None], dg.AssetCheckEvaluation]


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


@pytest.fixture
def instance(dagster_instance: dg.DagsterInstance) -> dg.DagsterInstance:
    """The kit's ``dagster_instance``: the checks read what earlier runs recorded there."""
    return dagster_instance


def run(
    extractor, warehouse, instance, first=None, last=None, selection=None, raise_on_error=True
) -> dg.ExecuteInProcessResult:
    """One run of the table's asset and checks over ``first..last``, or of ``selection``."""
    return run_assets_and_checks(
        [extractor],
        warehouse,
        FIVE_DAYS,
        instance,
        first,
        last,
        selection=selection,
        raise_on_error=raise_on_error,
    )


def evaluations(result: dg.ExecuteInProcessResult) -> Evaluations:
    """The run's check evaluations by (check, day); the day is None for a run's summary."""
    return {(e.check_name, e.partition): e for e in result.get_asset_check_evaluations()}


def checks_alone(extractor, warehouse, instance, *names: str) -> Evaluations:
    key = dg.AssetKey(extractor.table.name)
    selection = (
        dg.AssetSelection.checks(*(dg.AssetCheckKey(key, name) for name in names))
        if names
        else dg.AssetSelection.checks_for_assets(key)
    )
    return evaluations(run(extractor, warehouse, instance, selection=selection))


def delete_day(bq_client: bigquery.Client, warehouse, table: str, day: str) -> None:
    bq_client.query(f"DELETE FROM `{warehouse.table_id(table)}` WHERE date = DATE '{day}'").result()


def test_a_run_evaluates_every_check_on_each_of_its_days_and_all_pass(warehouse, instance):
    checks = evaluations(run(SignupsExtractor, warehouse, instance, "2024-01-01", "2024-01-05"))
    names = ("schema_matches_declaration", "one_row_per_day", "no_missing_days", "monotonic_fields")
    days = [f"2024-01-0{d}" for d in range(1, 6)]
    assert sorted(checks) == sorted((name, day) for name in names for day in days)
    assert all(c.passed for c in checks.values())
    assert checks["one_row_per_day", "2024-01-03"].metadata["rows"].value == 1
    assert checks["monotonic_fields", "2024-01-03"].metadata["compared_with"].value == "2024-01-02"
    assert checks["no_missing_days", "2024-01-05"].metadata["days_expected"].value == 5


def test_a_run_of_the_checks_logs_no_missing_outputs_ranged_or_alone(warehouse, instance):
    """Dagster logs "did not yield or return expected outputs" for a check step that yields
    evaluations only; the checks' step yields each check's output too."""
    ranged = run(SignupsExtractor, warehouse, instance, "2024-01-01", "2024-01-02")
    alone = run(
        SignupsExtractor,
        warehouse,
        instance,
        selection=dg.AssetSelection.checks_for_assets(dg.AssetKey("signups")),
    )
    for result in (ranged, alone):
        messages = [entry.user_message for entry in instance.all_logs(result.run_id)]
        assert not [m for m in messages if "did not yield" in m]
        assert result.get_asset_check_evaluations()


def test_run_alone_every_check_passes_over_the_materialized_days_in_one_summary(
    warehouse, instance
):
    run(SignupsExtractor, warehouse, instance, "2024-01-01", "2024-01-04")
    checks = checks_alone(SignupsExtractor, warehouse, instance)
    summaries = {name: c for (name, day), c in checks.items() if day is None}
    assert {name: c.passed for name, c in summaries.items()} == {
        "schema_matches_declaration": True,
        "one_row_per_day": True,
        "no_missing_days": True,
        "monotonic_fields": True,
    }
    for summary in summaries.values():
        assert summary.metadata["days_checked"].value == 4
        assert summary.metadata["window"].value == "2024-01-01..2024-01-04"
    # cumulative checks also report the newest day; per-day checks report failing days only
    assert sorted(key for key in checks if key[1] is not None) == [
        ("no_missing_days", "2024-01-04"),
        ("schema_matches_declaration", "2024-01-04"),
    ]


def test_run_alone_the_checks_fail_on_a_day_whose_rows_were_deleted(warehouse, instance, bq_client):
    run(SignupsExtractor, warehouse, instance, "2024-01-01", "2024-01-05")
    delete_day(bq_client, warehouse, "signups", "2024-01-03")
    checks = checks_alone(SignupsExtractor, warehouse, instance)

    one_row = checks["one_row_per_day", "2024-01-03"]
    assert not one_row.passed
    assert one_row.description == "2024-01-03: 0 rows, expected exactly 1"
    summary = checks["one_row_per_day", None]
    assert not summary.passed
    assert summary.metadata["failed_days"].value == 1
    assert summary.description == (
        "5 materialized days (2024-01-01..2024-01-05): 1 failed; "
        "2024-01-03: 0 rows, expected exactly 1"
    )
    missing = checks["no_missing_days", "2024-01-05"]
    assert not missing.passed
    assert missing.severity == dg.AssetCheckSeverity.WARN
    assert missing.metadata["missing"].value == "2024-01-03 (materialized, rows gone)"
    assert not checks["no_missing_days", None].passed
    # the other days still compare with the previous day that has a row
    assert checks["monotonic_fields", None].passed


def test_run_alone_rows_match_source_fails_on_a_day_whose_rows_were_deleted(
    warehouse, instance, bq_client
):
    run(VisitExtractor, warehouse, instance, "2024-01-02", "2024-01-04")
    assert checks_alone(VisitExtractor, warehouse, instance)["rows_match_source", None].passed
    delete_day(bq_client, warehouse, "visit", "2024-01-03")
    checks = checks_alone(VisitExtractor, warehouse, instance, "rows_match_source")
    day = checks["rows_match_source", "2024-01-03"]
    assert not day.passed
    assert day.description == "2024-01-03: BigQuery holds 0 rows, the extractor read 3"
    assert (day.metadata["source_rows"].value, day.metadata["bigquery_rows"].value) == (3, 0)
    assert not checks["rows_match_source", None].passed
    assert set(checks) == {("rows_match_source", None), ("rows_match_source", "2024-01-03")}


def test_individual_rows_in_bigquery_match_the_rows_read_from_the_source(warehouse, instance):
    checks = evaluations(run(VisitExtractor, warehouse, instance, "2024-01-02", "2024-01-04"))
    assert {name for name, _ in checks} == {"schema_matches_declaration", "rows_match_source"}
    match = checks["rows_match_source", "2024-01-03"]
    assert match.passed
    assert (match.metadata["source_rows"].value, match.metadata["bigquery_rows"].value) == (3, 3)


def test_days_the_catch_up_has_not_reached_are_not_missing(warehouse, instance):
    checks = evaluations(run(SignupsExtractor, warehouse, instance, "2024-01-03", "2024-01-04"))
    missing = checks["no_missing_days", "2024-01-04"]
    assert missing.passed
    assert missing.metadata["not_extracted_yet"].value == 2
    assert missing.metadata["not_extracted_yet_days"].value == "2024-01-01, 2024-01-02"


def test_a_day_whose_run_failed_is_missing_for_the_days_after_it(warehouse, instance):
    del SOURCE["signups"]["2024-01-02"]  # the extractor raises a KeyError on that day
    failed = run(SignupsExtractor, warehouse, instance, "2024-01-02", raise_on_error=False)
    assert not failed.success
    checks = evaluations(run(SignupsExtractor, warehouse, instance, "2024-01-03", "2024-01-04"))
    missing = checks["no_missing_days", "2024-01-03"]
    assert not missing.passed
    assert missing.description == (
        "1 day(s) from 2024-01-01 to 2024-01-03 have no row: 2024-01-02 (its run failed)"
    )
    assert missing.metadata["not_extracted_yet_days"].value == "2024-01-01"


def test_a_decreasing_cumulative_field_is_a_warning_naming_the_field_the_day_and_the_drop(
    warehouse, instance
):
    SOURCE["signups"]["2024-01-04"] = 5
    checks = evaluations(run(SignupsExtractor, warehouse, instance, "2024-01-01", "2024-01-05"))
    drop = checks["monotonic_fields", "2024-01-04"]
    assert not drop.passed
    assert drop.severity == dg.AssetCheckSeverity.WARN
    assert drop.description == "signups fell from 30 on 2024-01-03 to 5 on 2024-01-04 (drop of 25)"
    assert drop.metadata["decreases"].value == {"signups": {"previous": 30, "value": 5, "drop": 25}}
    assert drop.metadata["compared_with"].value == "2024-01-03"
    assert checks["monotonic_fields", "2024-01-05"].passed  # 50 after 5
    assert [day for (name, day), c in checks.items() if not c.passed] == ["2024-01-04"]


def test_a_table_changed_behind_the_extractors_back_fails_the_schema_check(
    warehouse, instance, bq_client
):
    run(SignupsExtractor, warehouse, instance, "2024-01-01")
    table = bq_client.get_table(warehouse.table_id("signups"))
    table.schema = [*table.schema, bigquery.SchemaField("note", "STRING")]
    bq_client.update_table(table, ["schema"])
    checks = checks_alone(SignupsExtractor, warehouse, instance, "schema_matches_declaration")
    for day in ("2024-01-01", None):
        schema = checks["schema_matches_declaration", day]
        assert not schema.passed
        assert (
            schema.metadata["differences"].value
            == "column note STRING NULLABLE is no longer declared"
        )


def test_checks_that_cannot_query_fail_the_step_naming_each_and_the_others_still_report(
    warehouse, instance, bq_client
):
    run(SignupsExtractor, warehouse, instance, "2024-01-01")
    bq_client.delete_table(warehouse.table_id("signups"))
    checks_only = dg.AssetSelection.checks_for_assets(dg.AssetKey("signups"))
    result = run(SignupsExtractor, warehouse, instance, selection=checks_only, raise_on_error=False)
    assert not result.success
    assert result.get_asset_check_evaluations() == []
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    message = failure.step_failure_data.error.cause.message  # type: ignore[union-attr]
    assert message.startswith("analytics_assets.assembly.checks.CheckExecutionError: checks of ")
    for name in (
        "schema_matches_declaration",
        "one_row_per_day",
        "no_missing_days",
        "monotonic_fields",
    ):
        assert f"{name}: NotFound" in message


def test_checks_run_alone_before_anything_was_materialized_say_so(warehouse, instance):
    checks = checks_alone(SignupsExtractor, warehouse, instance, "one_row_per_day")
    (summary,) = checks.values()
    assert (summary.passed, summary.severity) == (False, dg.AssetCheckSeverity.WARN)
    assert summary.description == "no day of signups is materialized: nothing was checked"


def test_each_check_of_a_table_runs_alone_when_selected_alone(warehouse, instance):
    run(SignupsExtractor, warehouse, instance, "2024-01-01", "2024-01-02")
    checks = checks_alone(SignupsExtractor, warehouse, instance, "no_missing_days")
    assert {name for name, _ in checks} == {"no_missing_days"}
    assert checks["no_missing_days", None].metadata["days_checked"].value == 2


@dataclass
class Awkward:
    """Field names that collide with what check SQL used to alias: ``day``, ``previous_x``."""

    previous_x: int
    day: int = column(differentiate=True)
    x: int = column(differentiate=True)


class AwkwardExtractor(DateAggregatedExtractor[Awkward]):
    source = "python"

    def extract(self, start: dt.datetime, end: dt.datetime):
        yield Awkward(*SOURCE["awkward"][start.date().isoformat()])


def test_check_sql_works_with_fields_named_day_and_previous_x(warehouse, instance, bq_client):
    SOURCE["awkward"] = {  # previous_x, day, x: previous_x is high, x drops on the 4th
        "2024-01-01": (99, 1, 10),
        "2024-01-02": (99, 2, 20),
        "2024-01-03": (99, 3, 30),
        "2024-01-04": (99, 4, 25),
        "2024-01-05": (99, 5, 40),
    }
    checks = evaluations(run(AwkwardExtractor, warehouse, instance, "2024-01-01", "2024-01-05"))
    assert [(name, day) for (name, day), c in checks.items() if not c.passed] == [
        ("monotonic_fields", "2024-01-04")
    ]
    drop = checks["monotonic_fields", "2024-01-04"]
    assert drop.description == "x fell from 30 on 2024-01-03 to 25 on 2024-01-04 (drop of 5)"
    assert checks["one_row_per_day", "2024-01-04"].metadata["rows"].value == 1
    delete_day(bq_client, warehouse, "awkward", "2024-01-02")
    alone = checks_alone(AwkwardExtractor, warehouse, instance)
    assert not alone["one_row_per_day", "2024-01-02"].passed
    assert alone["no_missing_days", "2024-01-05"].metadata["missing"].value == (
        "2024-01-02 (materialized, rows gone)"
    )
