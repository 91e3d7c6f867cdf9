"""A catalogue of bad inputs: each is refused with a message saying what and where.

Declaration mistakes fail when the extractor class is defined; bad rows, schema drift,
bad identifiers, a dataset in another location and failing sources fail the run, and
BigQuery is then exactly as a good earlier run left it.
"""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from google.cloud import bigquery

from analytics_assets.assembly.run_tags import RANGE_END_TAG, RANGE_START_TAG
from analytics_assets.demo import SETTINGS_MODULE
from analytics_assets.extract import (
    DateAggregatedExtractor,
    Extractor,
    IndividualRowsExtractor,
    SchemaError,
    column,
)
from analytics_assets.sources.django_orm import DjangoORM
from analytics_assets.testing import (
    location_definitions,
    location_settings,
    materialize,
    table_rows,
)
from analytics_assets.warehouse.credentials import CredentialsError, credentials_from_environment
from analytics_assets.warehouse.resource import BigQueryWarehouse
from analytics_assets.warehouse.tables import schema_fields
from analytics_assets_tests.dates import day
from analytics_assets_tests.declare import declare_extractor

PARIS = ZoneInfo("Europe/Paris")
SETTINGS = location_settings("2024-01-01")
#: Every bad run covers these three days; only the middle one is bad.
FIRST, BAD_DAY, LAST = "2024-01-02", "2024-01-03", "2024-01-04"
BAD_WINDOW = "2024-01-03T00:00:00+01:00 to 2024-01-04T00:00:00+01:00"
BAD_WINDOW_INTERVAL = "[2024-01-03T00:00:00+01:00, 2024-01-04T00:00:00+01:00)"
DRIFT_ADVICE = (
    ". Changing a table is forbidden: give the extractor a new table_name (the new table "
    "backfills from ANALYTICS_FIRST_DATE) and keep or drop the old table yourself."
)
NAME_RULE = (
    "is not a valid name: use lowercase letters, digits and underscores, starting with a "
    "letter or underscore (at most 300 characters)"
)
SUPPORTED = "supported: Decimal, bool, bytes, date, datetime, float, int, str"

RowsFor = Callable[[dt.datetime, dt.datetime], Iterable[Any]]
#: What each test extractor reads, by table: a function of the day's window.
SOURCE: dict[str, RowsFor] = {}


def make(row_type: type, **values: Any) -> Any:
    """A row built without static type checks: bad inputs are the point here."""
    return row_type(**values)


def paris(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=PARIS)


# --- test extractors --------------------------------------------------------------------


@dataclass
class Stock:
    items: int = column(differentiate=True)
    value: Decimal | None = None


class StockExtractor(DateAggregatedExtractor[Stock]):
    """Items in stock at the end of each day."""

    source = "python"

    def extract(self, start, end):
        return SOURCE["stock"](start, end)


@dataclass
class Tap:
    timestamp: dt.datetime
    screen: str


class TapExtractor(IndividualRowsExtractor[Tap]):
    """Every tap on the screen."""

    source = "python"

    def extract(self, start, end):
        return SOURCE["tap"](start, end)


@dataclass
class Ledger:
    entries: int
    amount: float


class LedgerExtractor(DateAggregatedExtractor[Ledger]):
    source = "python"

    def extract(self, start, end):
        yield Ledger(entries=start.day, amount=1.5)


def stock_rows(factor: int) -> RowsFor:
    return lambda start, end: [Stock(items=start.day * factor, value=Decimal("1.25"))]


def tap_rows(screen: str) -> RowsFor:
    return lambda start, end: [Tap(start + dt.timedelta(hours=9), screen)]


def bad_on_bad_day(good: RowsFor, bad: RowsFor) -> RowsFor:
    """``bad`` on :data:`BAD_DAY`, ``good`` on the other days."""
    return lambda start, end: bad(start, end) if start.date() == day(BAD_DAY) else good(start, end)


@pytest.fixture(autouse=True)
def good_source():
    SOURCE.clear()
    SOURCE["stock"] = stock_rows(1)
    SOURCE["tap"] = tap_rows("home")
    yield
    SOURCE.clear()


# --- helpers ------------------------------------------------------------------------------


def seed(
    warehouse: BigQueryWarehouse, extractor: type[Extractor[Any]], table: str
) -> list[dict[str, Any]]:
    """A good run over the three days; the table's rows after it (never empty)."""
    materialize([extractor], warehouse, FIRST, LAST)
    rows = table_rows(warehouse, table)
    assert rows
    return rows


def assert_run_refused(
    warehouse: BigQueryWarehouse,
    extractor: type[Extractor[Any]],
    expected: str,
    **resources: Any,
) -> None:
    """A run of ``extractor`` over the three days fails with exactly ``expected``."""
    result = materialize(
        [extractor],
        warehouse,
        FIRST,
        LAST,
        raise_on_error=False,
        sources=resources,
    )
    assert not result.success
    assert expected in result.errors, result.errors


def assert_bad_stock_refused(warehouse: BigQueryWarehouse, bad: RowsFor, expected: str) -> None:
    """Seed ``stock``; a run with ``bad`` rows on the bad day is refused; BigQuery unchanged."""
    before = seed(warehouse, StockExtractor, "stock")
    SOURCE["stock"] = bad_on_bad_day(stock_rows(100), bad)
    assert_run_refused(warehouse, StockExtractor, expected)
    assert table_rows(warehouse, "stock") == before


def assert_bad_tap_refused(warehouse: BigQueryWarehouse, bad: RowsFor, expected: str) -> None:
    before = seed(warehouse, TapExtractor, "tap")
    SOURCE["tap"] = bad_on_bad_day(tap_rows("changed"), bad)
    assert_run_refused(warehouse, TapExtractor, expected)
    assert table_rows(warehouse, "tap") == before


def table_state(warehouse: BigQueryWarehouse, table: str) -> dict[str, Any]:
    """What a refused run must leave as it was: rows, columns, labels, description."""
    live = warehouse.get_client().get_table(warehouse.table_id(table))
    return {
        "rows": table_rows(warehouse, table),
        "columns": [f.to_api_repr() for f in live.schema],
        "labels": live.labels,
        "description": live.description,
    }


def schema_check_differences(warehouse: BigQueryWarehouse, extractor: type[Extractor[Any]]) -> str:
    """What the ``schema_matches_declaration`` check of ``extractor`` reports on the range."""
    key = dg.AssetCheckKey(dg.AssetKey(extractor.table.name), "schema_matches_declaration")
    definitions = location_definitions(extractor, warehouse, SETTINGS)
    result = dg.materialize(
        [*(definitions.assets or ()), *(definitions.asset_checks or ())],  # type: ignore[list-item]
        resources=definitions.resources,
        selection=dg.AssetSelection.checks(key),
        tags={RANGE_START_TAG: FIRST, RANGE_END_TAG: LAST},
    )
    evaluations = result.get_asset_check_evaluations()  # one per day of the range
    assert [e.partition for e in evaluations] == [FIRST, BAD_DAY, LAST]
    assert not any(e.passed for e in evaluations)
    (differences,) = {str(e.metadata["differences"].value) for e in evaluations}
    return differences


def assert_drift_refused(
    warehouse: BigQueryWarehouse,
    changed: type[Extractor[Any]],
    differences: str,
    original: type[Extractor[Any]] = LedgerExtractor,
) -> None:
    """Seed ``original``'s table; ``changed`` (same table, new declaration) is refused before
    writing, BigQuery is unchanged, and the schema check reports the same differences."""
    table = original.table.name
    seed(warehouse, original, table)
    before = table_state(warehouse, table)
    assert_run_refused(
        warehouse,
        changed,
        f"SchemaMismatchError: table {warehouse.table_id(table)} does not match its "
        f"extractor's declaration: {differences}{DRIFT_ADVICE}",
    )
    assert table_state(warehouse, table) == before
    assert schema_check_differences(warehouse, changed) == differences


def dataset_ids(client: bigquery.Client) -> set[str]:
    return {dataset.dataset_id for dataset in client.list_datasets()}


def credentials_error(environ: dict[str, str]) -> str:
    with pytest.raises(CredentialsError) as raised:
        credentials_from_environment(environ)
    return str(raised.value)


# --- bad rows -----------------------------------------------------------------------------


def test_a_naive_datetime_is_refused_and_bigquery_is_unchanged(warehouse):
    assert_bad_tap_refused(
        warehouse,
        lambda start, end: [Tap(dt.datetime(2024, 1, 3, 10, 0), "home")],
        "RowValidationError: extractor 'tap', day 2024-01-03, row 1, field 'timestamp': "
        "naive datetime 2024-01-03T10:00:00: give it a time zone",
    )


def test_none_in_a_required_field_is_refused_and_bigquery_is_unchanged(warehouse):
    assert_bad_stock_refused(
        warehouse,
        lambda start, end: [make(Stock, items=None)],
        "RowValidationError: extractor 'stock', day 2024-01-03, row 1, field 'items': "
        "None in a REQUIRED field (annotate it `X | None` to allow NULL)",
    )


def test_a_str_for_an_int_is_refused_and_bigquery_is_unchanged(warehouse):
    assert_bad_stock_refused(
        warehouse,
        lambda start, end: [make(Stock, items="12")],
        "RowValidationError: extractor 'stock', day 2024-01-03, row 1, field 'items': "
        "expected int, got str '12'",
    )


def test_true_for_an_int_is_refused_and_bigquery_is_unchanged(warehouse):
    assert_bad_stock_refused(
        warehouse,
        lambda start, end: [make(Stock, items=True)],
        "RowValidationError: extractor 'stock', day 2024-01-03, row 1, field 'items': "
        "expected int, got bool True",
    )


def test_a_float_for_a_decimal_is_refused_and_bigquery_is_unchanged(warehouse):
    assert_bad_stock_refused(
        warehouse,
        lambda start, end: [make(Stock, items=3, value=1.25)],
        "RowValidationError: extractor 'stock', day 2024-01-03, row 1, field 'value': "
        "expected Decimal, got float 1.25",
    )


def test_a_row_with_an_extra_field_is_refused_and_bigquery_is_unchanged(warehouse):
    @dataclass
    class StockWithSecret:
        items: int
        value: Decimal | None
        supplier_email: str

    assert_bad_stock_refused(
        warehouse,
        lambda start, end: [StockWithSecret(3, None, "boss@example.com")],
        "RowValidationError: extractor 'stock', day 2024-01-03, row 1: expected a Stock "
        "instance, got StockWithSecret",
    )


def test_a_row_with_a_missing_field_is_refused_and_bigquery_is_unchanged(warehouse):
    @dataclass
    class ItemsOnly:
        items: int

    assert_bad_stock_refused(
        warehouse,
        lambda start, end: [ItemsOnly(3)],
        "RowValidationError: extractor 'stock', day 2024-01-03, row 1: expected a Stock "
        "instance, got ItemsOnly",
    )


def test_a_date_aggregated_day_with_no_row_is_refused_and_bigquery_is_unchanged(warehouse):
    assert_bad_stock_refused(
        warehouse,
        lambda start, end: [],
        "RowValidationError: extractor 'stock', day 2024-01-03: a date-aggregated extractor "
        "must yield exactly one row per day, it yielded 0",
    )


def test_a_date_aggregated_day_with_two_rows_is_refused_and_bigquery_is_unchanged(warehouse):
    assert_bad_stock_refused(
        warehouse,
        lambda start, end: [Stock(items=1), Stock(items=2)],
        "RowValidationError: extractor 'stock', day 2024-01-03: a date-aggregated extractor "
        "must yield exactly one row per day, it yielded 2",
    )


def test_a_timestamp_outside_its_day_is_refused_and_bigquery_is_unchanged(warehouse):
    assert_bad_tap_refused(
        warehouse,
        lambda start, end: [Tap(paris("2024-01-03T09:00"), "home"), Tap(end, "next-day")],
        "RowValidationError: extractor 'tap', day 2024-01-03, row 2, field 'timestamp': "
        f"2024-01-04T00:00:00+01:00 is outside the day's window {BAD_WINDOW_INTERVAL}",
    )


def test_a_numeric_with_ten_decimals_is_refused_and_bigquery_is_unchanged(warehouse):
    assert_bad_stock_refused(
        warehouse,
        lambda start, end: [Stock(items=3, value=Decimal("0.0123456789"))],
        "RowValidationError: extractor 'stock', day 2024-01-03, row 1, field 'value': "
        "0.0123456789 has 10 decimal places; NUMERIC keeps at most 9 and rounding would "
        "change the value: round it yourself if that is right (value.quantize(Decimal('1e-9')))",
    )


def test_a_numeric_with_thirty_integer_digits_is_refused_and_bigquery_is_unchanged(warehouse):
    thirty_digits = Decimal("1" + "0" * 29)
    assert_bad_stock_refused(
        warehouse,
        lambda start, end: [Stock(items=3, value=thirty_digits)],
        "RowValidationError: extractor 'stock', day 2024-01-03, row 1, field 'value': "
        f"{thirty_digits} has more than 29 integer digits; NUMERIC cannot hold it",
    )


def test_an_int_beyond_int64_is_refused_and_bigquery_is_unchanged(warehouse):
    assert_bad_stock_refused(
        warehouse,
        lambda start, end: [Stock(items=2**63)],
        "RowValidationError: extractor 'stock', day 2024-01-03, row 1, field 'items': "
        "9223372036854775808 does not fit in INT64",
    )


def test_a_decimal_nan_is_refused_and_bigquery_is_unchanged(warehouse):
    assert_bad_stock_refused(
        warehouse,
        lambda start, end: [Stock(items=3, value=Decimal("NaN"))],
        "RowValidationError: extractor 'stock', day 2024-01-03, row 1, field 'value': "
        "NaN is not a finite number",
    )


# --- failing sources ----------------------------------------------------------------------


def test_an_extractor_that_raises_fails_naming_extractor_day_and_window(warehouse):
    def corrupt(start: dt.datetime, end: dt.datetime) -> list[Stock]:
        raise ValueError("the ledger is corrupt")

    assert_bad_stock_refused(
        warehouse,
        corrupt,
        f"ExtractorFailedError: extractor 'stock' failed on day 2024-01-03 (window {BAD_WINDOW}): "
        "ValueError: the ledger is corrupt",
    )


def test_an_extractor_returning_a_row_instead_of_rows_fails_naming_extractor_and_day(warehouse):
    assert_bad_stock_refused(
        warehouse,
        lambda start, end: make(Stock, items=3),
        f"ExtractorFailedError: extractor 'stock' failed on day 2024-01-03 (window {BAD_WINDOW}): "
        "TypeError: 'Stock' object is not iterable",
    )


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Customers:
    customers: int


def test_an_unreachable_source_database_fails_naming_extractor_day_and_window(
    warehouse, bq_client, django_db_blocker
):
    port = _closed_port()

    class CustomersExtractor(DateAggregatedExtractor[Customers]):
        """Customers counted in a PostgreSQL source that does not answer."""

        source = "django"

        def extract(self, start, end):
            from django.db.utils import ConnectionHandler

            databases = ConnectionHandler(
                {
                    "default": {
                        "ENGINE": "django.db.backends.postgresql",
                        "HOST": "127.0.0.1",
                        "PORT": str(port),
                        "NAME": "shop",
                        "USER": "analytics",
                    }
                }
            )
            try:
                with databases["default"].cursor() as cursor:
                    cursor.execute("SELECT count(*) FROM customer WHERE joined < %s", [end])
                    (count,) = cursor.fetchone()
            finally:
                databases.close_all()
            yield Customers(count)

    orm = DjangoORM(settings_module=SETTINGS_MODULE)
    with django_db_blocker.unblock():  # pytest-django blocks every connection by default
        result = materialize(
            [CustomersExtractor],
            warehouse,
            BAD_DAY,
            raise_on_error=False,
            sources={"django": orm},
        )
    assert not result.success
    assert (
        f"ExtractorFailedError: extractor 'customers' failed on day 2024-01-03 (window "
        f"{BAD_WINDOW}): OperationalError: connection failed: connection to server at "
        f'"127.0.0.1", port {port} failed: Connection refused\n'
        "\tIs the server running on that host and accepting TCP/IP connections?"
    ) in result.errors, result.errors
    assert warehouse.dataset not in dataset_ids(bq_client)  # nothing reached BigQuery


def test_a_django_operational_error_fails_naming_extractor_day_and_window(warehouse):
    from django.db import OperationalError

    def unreachable(start: dt.datetime, end: dt.datetime) -> list[Stock]:
        raise OperationalError("could not connect to server: Connection refused")

    assert_bad_stock_refused(
        warehouse,
        unreachable,
        f"ExtractorFailedError: extractor 'stock' failed on day 2024-01-03 (window {BAD_WINDOW}): "
        "OperationalError: could not connect to server: Connection refused",
    )


# --- declarations refused when the class is defined ----------------------------------------


def test_a_field_named_date_is_refused_at_definition():
    @dataclass
    class Holiday:
        date: dt.date
        name: str

    with pytest.raises(SchemaError) as raised:

        class HolidayExtractor(DateAggregatedExtractor[Holiday]):
            def extract(self, start, end):
                return []

    assert str(raised.value) == (
        "Holiday: a field may not be named 'date'; the system adds that column "
        "(the local day of the row)"
    )


def test_differentiating_a_string_is_refused_at_definition():
    @dataclass
    class Mood:
        label: str = column(differentiate=True)

    with pytest.raises(SchemaError) as raised:

        class MoodExtractor(DateAggregatedExtractor[Mood]):
            def extract(self, start, end):
                return []

    assert str(raised.value) == (
        "Mood.label: only numbers (int, float, Decimal) can be differentiated or monotonic, not str"
    )


def test_an_optional_differentiated_field_is_allowed_and_null_stays_unknown(warehouse):
    @dataclass
    class Balance:
        balance: int | None = column(differentiate=True)

    values = {day("2024-01-02"): 5, day("2024-01-03"): None, day("2024-01-04"): 7}

    class BalanceExtractor(DateAggregatedExtractor[Balance]):
        source = "python"

        def extract(self, start, end):
            yield Balance(values[start.date()])

    assert BalanceExtractor.table.column("balance").mode == "NULLABLE"
    result = materialize([BalanceExtractor], warehouse, FIRST, LAST)
    assert result.success
    assert table_rows(warehouse, "balance") == [
        {"date": d, "balance": value} for d, value in values.items()
    ]
    assert table_rows(warehouse, "balance_delta") == [
        {"date": day("2024-01-02"), "balance": 5},
        {"date": day("2024-01-03"), "balance": None},
        {"date": day("2024-01-04"), "balance": None},
    ]


def _refused_row_type(row_type: type) -> str:
    with pytest.raises(SchemaError) as raised:

        class _Extractor(DateAggregatedExtractor[row_type]):  # type: ignore[valid-type]
            def extract(self, start, end):
                return []

    return str(raised.value)


def test_a_list_field_is_refused_at_definition():
    @dataclass
    class Basket:
        items: list[str]

    assert _refused_row_type(Basket) == f"Basket.items: unmappable type list[str]; {SUPPORTED}"


def test_a_dict_field_is_refused_at_definition():
    @dataclass
    class Profile:
        attributes: dict[str, int]

    assert (
        _refused_row_type(Profile)
        == f"Profile.attributes: unmappable type dict[str, int]; {SUPPORTED}"
    )


def test_an_any_field_is_refused_at_definition():
    @dataclass
    class Blob:
        payload: Any

    assert _refused_row_type(Blob) == f"Blob.payload: unmappable type typing.Any; {SUPPORTED}"


def test_a_union_of_two_types_is_refused_at_definition():
    @dataclass
    class Reading:
        value: int | str

    assert _refused_row_type(Reading) == (
        "Reading.value: ambiguous type int | str; use one type, or X | None"
    )


def test_an_individual_rows_extractor_without_its_timestamp_field_is_refused_at_definition():
    @dataclass
    class Visit:
        visited_at: dt.datetime

    with pytest.raises(SchemaError) as raised:

        class VisitExtractor(IndividualRowsExtractor[Visit]):
            def extract(self, start, end):
                return []

    assert str(raised.value) == (
        "Visit: an individual-rows extractor needs a field named 'timestamp' "
        "(set timestamp_field to use another name)"
    )


# --- identifiers --------------------------------------------------------------------------


def test_a_table_name_with_sql_injection_is_refused_at_definition():
    with pytest.raises(SchemaError) as raised:
        declare_extractor(Stock, table_name="x; DROP TABLE y")

    assert str(raised.value) == f"table name 'x; DROP TABLE y' {NAME_RULE}"


def test_a_table_name_with_a_backtick_is_refused_at_definition():
    with pytest.raises(SchemaError) as raised:
        declare_extractor(Stock, table_name="stock` WHERE TRUE; --")

    assert str(raised.value) == f"table name 'stock` WHERE TRUE; --' {NAME_RULE}"


def test_a_reserved_table_prefix_is_refused_at_definition():
    with pytest.raises(SchemaError) as raised:
        declare_extractor(Stock, table_name="_partitiontime")

    assert str(raised.value) == "table name '_partitiontime' uses a prefix BigQuery reserves"


def test_a_field_with_a_reserved_prefix_is_refused_at_definition():
    @dataclass
    class Partitioned:
        _partition_day: int

    assert _refused_row_type(Partitioned) == (
        "field Partitioned._partition_day: '_partition_day' uses a prefix BigQuery reserves"
    )


def test_an_empty_table_name_is_refused_at_definition():
    with pytest.raises(SchemaError) as raised:
        declare_extractor(Stock, table_name="")

    assert str(raised.value) == f"table name '' {NAME_RULE}"


def test_a_project_id_with_a_backtick_is_refused_naming_the_variable(warehouse):
    project = "local-project`; DROP SCHEMA analytics; --"
    bad = BigQueryWarehouse(
        project=project,
        dataset=warehouse.dataset,
        location=warehouse.location,
        emulator_url=warehouse.emulator_url,
    )
    assert_run_refused(
        bad,
        StockExtractor,
        f"SchemaError: BIGQUERY_PROJECT {project!r} is not a valid project id: 6 to 30 "
        "lowercase letters, digits and hyphens, starting with a letter (optionally after a "
        "'domain:' prefix)",
    )


def assert_bad_dataset_refused(warehouse, bq_client, dataset: str) -> None:
    """A run writing to ``dataset`` fails before any BigQuery call; no dataset is created."""
    bad = BigQueryWarehouse(
        project=warehouse.project,
        dataset=dataset,
        location=warehouse.location,
        emulator_url=warehouse.emulator_url,
    )
    before = dataset_ids(bq_client)
    assert_run_refused(
        bad, StockExtractor, f"SchemaError: BIGQUERY_DATASET {dataset!r} {NAME_RULE}"
    )
    assert dataset_ids(bq_client) == before


def test_a_dataset_name_with_a_hyphen_is_refused_before_anything_is_created(warehouse, bq_client):
    assert_bad_dataset_refused(warehouse, bq_client, "a-b")


def test_a_dataset_name_with_a_backtick_is_refused_before_anything_is_created(warehouse, bq_client):
    assert_bad_dataset_refused(warehouse, bq_client, "analytics`; DROP SCHEMA analytics; --")


# --- schema drift on an existing table ---------------------------------------------------


@dataclass
class LedgerAdded:
    entries: int
    amount: float
    refunds: int


class LedgerAddedExtractor(DateAggregatedExtractor[LedgerAdded]):
    source = "python"
    table_name = "ledger"

    def extract(self, start, end):
        yield LedgerAdded(1, 1.5, 0)


@dataclass
class LedgerRemoved:
    entries: int


class LedgerRemovedExtractor(DateAggregatedExtractor[LedgerRemoved]):
    source = "python"
    table_name = "ledger"

    def extract(self, start, end):
        yield LedgerRemoved(1)


@dataclass
class LedgerRenamed:
    entries: int
    total: float


class LedgerRenamedExtractor(DateAggregatedExtractor[LedgerRenamed]):
    source = "python"
    table_name = "ledger"

    def extract(self, start, end):
        yield LedgerRenamed(1, 1.5)


@dataclass
class LedgerRetyped:
    entries: int
    amount: Decimal


class LedgerRetypedExtractor(DateAggregatedExtractor[LedgerRetyped]):
    source = "python"
    table_name = "ledger"

    def extract(self, start, end):
        yield LedgerRetyped(1, Decimal("1.5"))


@dataclass
class LedgerNullable:
    entries: int
    amount: float | None


class LedgerNullableExtractor(DateAggregatedExtractor[LedgerNullable]):
    source = "python"
    table_name = "ledger"

    def extract(self, start, end):
        yield LedgerNullable(1, None)


@dataclass
class LedgerReordered:
    amount: float
    entries: int


class LedgerReorderedExtractor(DateAggregatedExtractor[LedgerReordered]):
    source = "python"
    table_name = "ledger"

    def extract(self, start, end):
        yield LedgerReordered(1.5, 1)


def test_an_added_field_on_an_existing_table_is_refused_and_bigquery_is_unchanged(warehouse):
    assert_drift_refused(warehouse, LedgerAddedExtractor, "column refunds INT64 REQUIRED is new")


def test_a_removed_field_on_an_existing_table_is_refused_and_bigquery_is_unchanged(warehouse):
    assert_drift_refused(
        warehouse, LedgerRemovedExtractor, "column amount FLOAT64 REQUIRED is no longer declared"
    )


def test_a_renamed_field_on_an_existing_table_is_refused_and_bigquery_is_unchanged(warehouse):
    assert_drift_refused(
        warehouse,
        LedgerRenamedExtractor,
        "column total FLOAT64 REQUIRED is new; "
        "column amount FLOAT64 REQUIRED is no longer declared",
    )


def test_a_type_change_on_an_existing_table_is_refused_and_bigquery_is_unchanged(warehouse):
    assert_drift_refused(
        warehouse,
        LedgerRetypedExtractor,
        "column amount: table has amount FLOAT64 REQUIRED, declared amount NUMERIC REQUIRED",
    )


def test_a_nullability_change_on_an_existing_table_is_refused_and_bigquery_is_unchanged(
    warehouse,
):
    assert_drift_refused(
        warehouse,
        LedgerNullableExtractor,
        "column amount: table has amount FLOAT64 REQUIRED, declared amount FLOAT64 NULLABLE",
    )


def test_a_column_order_change_on_an_existing_table_is_refused_and_bigquery_is_unchanged(
    warehouse,
):
    assert_drift_refused(
        warehouse,
        LedgerReorderedExtractor,
        "column order changed: table has ['date', 'entries', 'amount'], "
        "declared ['date', 'amount', 'entries']",
    )


# --- changes the columns cannot show -------------------------------------------------------


@dataclass
class LedgerCumulative:
    entries: int = column(differentiate=True)
    amount: float = 0.0


class LedgerCumulativeExtractor(DateAggregatedExtractor[LedgerCumulative]):
    source = "python"
    table_name = "ledger"

    def extract(self, start, end):
        yield LedgerCumulative(start.day, 1.5)


@dataclass
class TapDaily:
    timestamp: dt.datetime
    screen: str


class TapDailyExtractor(DateAggregatedExtractor[TapDaily]):
    source = "python"
    table_name = "tap"

    def extract(self, start, end):
        yield TapDaily(start, "home")


def test_a_differentiate_flag_added_on_an_existing_table_is_refused_and_bigquery_is_unchanged(
    warehouse,
):
    assert_drift_refused(
        warehouse,
        LedgerCumulativeExtractor,
        "differentiated fields changed: table has [], declared ['entries']",
    )


def test_a_differentiate_flag_removed_on_an_existing_table_is_refused_and_bigquery_is_unchanged(
    warehouse,
):
    assert_drift_refused(
        warehouse,
        LedgerExtractor,
        "differentiated fields changed: table has ['entries'], declared []",
        original=LedgerCumulativeExtractor,
    )


def test_an_extractor_kind_change_with_the_same_columns_is_refused_and_bigquery_is_unchanged(
    warehouse,
):
    assert TapDailyExtractor.table.column_names == TapExtractor.table.column_names
    assert_drift_refused(
        warehouse,
        TapDailyExtractor,
        "extractor kind changed: table has individual-rows, declared date-aggregated",
        original=TapExtractor,
    )


def test_a_table_created_before_the_markers_is_adopted_then_guarded(warehouse, bq_client):
    spec = LedgerCumulativeExtractor.table
    warehouse.tables().ensure_dataset()
    old = bigquery.Table(warehouse.table_id("ledger"), schema=schema_fields(spec))
    old.time_partitioning = bigquery.TimePartitioning(field="date")
    old.labels = {"managed-by": "analytics-assets", "extractor-kind": "date-aggregated"}
    bq_client.create_table(old)

    before = seed(warehouse, LedgerCumulativeExtractor, "ledger")

    assert bq_client.get_table(old).labels == {**old.labels, "differentiated": "entries"}
    assert_run_refused(
        warehouse,
        LedgerExtractor,
        f"SchemaMismatchError: table {warehouse.table_id('ledger')} does not match its "
        "extractor's declaration: differentiated fields changed: table has ['entries'], "
        f"declared []{DRIFT_ADVICE}",
    )
    assert table_rows(warehouse, "ledger") == before


def test_a_removed_extractor_leaves_its_table_and_rows_alone(warehouse):
    both = [StockExtractor, TapExtractor]
    materialize(both, warehouse, FIRST, LAST)
    stock_before = table_state(warehouse, "stock")
    tap_before = table_rows(warehouse, "tap")
    SOURCE["stock"] = stock_rows(100)
    SOURCE["tap"] = tap_rows("changed")

    without_stock = [TapExtractor]
    materialize(without_stock, warehouse, FIRST, LAST)

    assert table_state(warehouse, "stock") == stock_before
    assert table_rows(warehouse, "stock_delta") == [
        {"date": day(FIRST), "items": 2},
        {"date": day(BAD_DAY), "items": 1},
        {"date": day(LAST), "items": 1},
    ]
    assert table_rows(warehouse, "tap") != tap_before
    assert {row["screen"] for row in table_rows(warehouse, "tap")} == {"changed"}


# --- the warehouse itself ------------------------------------------------------------------


def test_a_dataset_in_another_location_is_refused_and_left_empty(warehouse, bq_client):
    dataset = bigquery.Dataset(f"{warehouse.project}.{warehouse.dataset}")
    dataset.location = "US"
    bq_client.create_dataset(dataset)
    assert_run_refused(
        warehouse,
        StockExtractor,
        f"DatasetLocationError: dataset {warehouse.project}.{warehouse.dataset} is in location "
        "'US', but BIGQUERY_LOCATION is 'EU'; BigQuery cannot move a dataset: set "
        "BIGQUERY_LOCATION to match, or use another BIGQUERY_DATASET",
    )
    assert list(bq_client.list_tables(dataset)) == []
    assert bq_client.get_dataset(dataset).location == "US"


def test_missing_credentials_are_refused_naming_every_way_to_set_them(monkeypatch, tmp_path):
    from google.auth.compute_engine import _metadata

    monkeypatch.setattr(_metadata, "_NO_GCE_CHECK", True)  # not on Google Cloud: no metadata
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path))  # no gcloud login
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    assert credentials_error({}) == (
        "no BigQuery credentials: set BIGQUERY_CREDENTIALS_JSON (service-account JSON, raw or "
        "base64), BIGQUERY_CREDENTIALS_FILE (key file path), or configure Application Default "
        "Credentials"
    )


def test_credentials_json_that_is_neither_json_nor_base64_is_refused():
    assert credentials_error({"BIGQUERY_CREDENTIALS_JSON": "hunter2 is my password"}) == (
        "BIGQUERY_CREDENTIALS_JSON is neither a JSON object nor base64-encoded JSON"
    )


def test_truncated_credentials_json_is_refused_with_the_position():
    assert credentials_error({"BIGQUERY_CREDENTIALS_JSON": '{"type": "service_account",'}) == (
        "BIGQUERY_CREDENTIALS_JSON is not valid JSON (line 1, column 28)"
    )


def test_credentials_json_of_a_user_account_is_refused():
    assert credentials_error({"BIGQUERY_CREDENTIALS_JSON": '{"type": "authorized_user"}'}) == (
        'BIGQUERY_CREDENTIALS_JSON must hold a service-account key ("type": "service_account")'
    )


def test_a_service_account_key_lacking_its_fields_is_refused_naming_them():
    assert credentials_error({"BIGQUERY_CREDENTIALS_JSON": '{"type": "service_account"}'}) == (
        "BIGQUERY_CREDENTIALS_JSON: the service-account key lacks client_email, private_key, "
        "token_uri"
    )


def test_a_credentials_file_that_does_not_exist_is_refused():
    assert credentials_error({"BIGQUERY_CREDENTIALS_FILE": "/nowhere/key.json"}) == (
        "BIGQUERY_CREDENTIALS_FILE names no readable file (its value, 17 characters, is not "
        "shown: it may be a secret)"
    )


def test_a_credentials_file_that_is_not_json_is_refused(tmp_path):
    key = tmp_path / "key.json"
    key.write_text("-----BEGIN PRIVATE KEY-----\n")
    assert credentials_error({"BIGQUERY_CREDENTIALS_FILE": str(key)}) == (
        f"BIGQUERY_CREDENTIALS_FILE={str(key)!r}: the file is not JSON"
    )


def test_a_missing_application_default_credentials_file_is_refused():
    assert credentials_error({"GOOGLE_APPLICATION_CREDENTIALS": "/nowhere/adc.json"}) == (
        "GOOGLE_APPLICATION_CREDENTIALS names no readable file (its value, 17 characters, is "
        "not shown: it may be a secret)"
    )


def test_a_run_with_garbled_credentials_fails_without_echoing_the_secret(monkeypatch):
    secret = "hunter2 is my password"
    monkeypatch.setenv("BIGQUERY_CREDENTIALS_JSON", secret)
    real = BigQueryWarehouse(project="acme-analytics", dataset="analytics")
    result = materialize([StockExtractor], real, BAD_DAY, raise_on_error=False)
    assert not result.success
    messages = result.errors
    assert (
        "CredentialsError: BIGQUERY_CREDENTIALS_JSON is neither a JSON object nor "
        "base64-encoded JSON"
    ) in messages, messages
    assert not [message for message in messages if "hunter2" in message]
