"""Row dataclasses become the documented BigQuery schema; bad declarations fail at definition."""

from __future__ import annotations

import datetime as dt
import keyword
from dataclasses import dataclass, make_dataclass
from decimal import Decimal
from typing import Optional, Union

import dagster as dg
import pytest

from analytics_assets.extract import (
    DateAggregatedExtractor,
    ExtractorKind,
    IndividualRowsExtractor,
    SchemaError,
    column,
    http_api,
)
from analytics_assets.extract.names import DAGSTER_RESERVED_NAMES
from analytics_assets.extract.schema import build_table_spec, snake_case
from analytics_assets_tests.declare import declare_extractor


@dataclass
class EveryType:
    an_int: int
    a_float: float
    a_bool: bool
    a_str: str
    some_bytes: bytes
    a_date: dt.date
    a_timestamp: dt.datetime
    a_decimal: Decimal
    optional_int: Optional[int]  # noqa: UP045 - the old spelling must keep working
    union_str: Union[str, None]  # noqa: UP007
    pep604_float: float | None


def test_every_python_type_maps_to_the_documented_bigquery_type_and_mode():
    spec = build_table_spec(EveryType, ExtractorKind.DATE_AGGREGATED)
    assert [(c.name, c.bigquery_type, c.mode) for c in spec.columns] == [
        ("date", "DATE", "REQUIRED"),
        ("an_int", "INT64", "REQUIRED"),
        ("a_float", "FLOAT64", "REQUIRED"),
        ("a_bool", "BOOL", "REQUIRED"),
        ("a_str", "STRING", "REQUIRED"),
        ("some_bytes", "BYTES", "REQUIRED"),
        ("a_date", "DATE", "REQUIRED"),
        ("a_timestamp", "TIMESTAMP", "REQUIRED"),
        ("a_decimal", "NUMERIC", "REQUIRED"),
        ("optional_int", "INT64", "NULLABLE"),
        ("union_str", "STRING", "NULLABLE"),
        ("pep604_float", "FLOAT64", "NULLABLE"),
    ]


def test_string_annotations_from_future_import_resolve():
    # This module uses `from __future__ import annotations`: every annotation is a string.
    assert isinstance(EveryType.__annotations__["an_int"], str)
    spec = build_table_spec(EveryType, ExtractorKind.DATE_AGGREGATED)
    assert spec.column("a_bool").bigquery_type == "BOOL"


@pytest.mark.parametrize(
    ("class_name", "table"),
    [
        ("User", "user"),
        ("EmailMessage", "email_message"),
        ("setIBANCode", "set_iban_code"),
        ("HTTPResponse2xx", "http_response_2_xx"),
        ("ABTest", "ab_test"),
    ],
)
def test_table_name_is_snake_case_of_the_dataclass_name(class_name, table):
    assert snake_case(class_name) == table


@dataclass
class Signup:
    signups: int = column(differentiate=True)
    revenue: Decimal | None = column(differentiate=True)
    note: str | None = None


def test_table_name_can_be_overridden_and_differentiated_fields_keep_declaration_order():
    class SignupExtractor(DateAggregatedExtractor[Signup]):
        table_name = "signup_v2"

        def extract(self, start, end):
            yield Signup(1, None)

    assert SignupExtractor.table.name == "signup_v2"
    assert [c.name for c in SignupExtractor.table.differentiated] == ["signups", "revenue"]
    assert SignupExtractor.table.delta_view_name == "signup_v2_delta"


def test_extractor_docstring_becomes_the_table_description():
    class DocumentedExtractor(DateAggregatedExtractor[Signup]):
        """Signups per day."""

        def extract(self, start, end):
            yield Signup(1, None)

    assert DocumentedExtractor.table.description == "Signups per day."


@dataclass
class WithList:
    items: list


@dataclass
class WithAmbiguousUnion:
    value: int | str | None


@dataclass
class WithDateField:
    date: dt.date
    n: int


@dataclass
class DifferentiatedString:
    name: str = column(differentiate=True)


@dataclass
class DifferentiatedBool:
    flag: bool = column(differentiate=True)


@dataclass
class BadName:
    Users: int


@dataclass
class RowWithoutTimestamp:
    kind: str


@dataclass
class RowWithNaiveTimestampType:
    timestamp: dt.date


@dataclass
class RowWithNullableTimestamp:
    timestamp: dt.datetime | None


@dataclass
class RowWithDifferentiated:
    timestamp: dt.datetime
    n: int = column(differentiate=True)


@pytest.mark.parametrize(
    ("row_type", "base", "message"),
    [
        (WithList, DateAggregatedExtractor, "WithList.items: unmappable type <class 'list'>"),
        (WithAmbiguousUnion, DateAggregatedExtractor, "WithAmbiguousUnion.value: ambiguous type"),
        (WithDateField, DateAggregatedExtractor, "a field may not be named 'date'"),
        (WithDateField, IndividualRowsExtractor, "a field may not be named 'date'"),
        (
            DifferentiatedString,
            DateAggregatedExtractor,
            "only numbers (int, float, Decimal) can be differentiated",
        ),
        (
            DifferentiatedBool,
            DateAggregatedExtractor,
            "can be differentiated or monotonic, not bool",
        ),
        (BadName, DateAggregatedExtractor, "'Users' is not a valid name"),
        (RowWithoutTimestamp, IndividualRowsExtractor, "needs a field named 'timestamp'"),
        (RowWithNaiveTimestampType, IndividualRowsExtractor, "must be a datetime.datetime"),
        (RowWithNullableTimestamp, IndividualRowsExtractor, "must be a datetime.datetime"),
        (RowWithDifferentiated, IndividualRowsExtractor, "only allowed on date-aggregated"),
    ],
)
def test_bad_declarations_fail_when_the_extractor_class_is_defined(row_type, base, message):
    with pytest.raises(SchemaError) as raised:
        declare_extractor(row_type, base)
    assert message in str(raised.value)


def test_timestamp_field_name_is_overridable():
    @dataclass
    class Visit:
        seen_at: dt.datetime
        page: str

    extractor = declare_extractor(Visit, IndividualRowsExtractor, timestamp_field="seen_at")
    assert extractor.table.timestamp_field == "seen_at"
    assert extractor.table.column_names == ("date", "seen_at", "page")


def test_a_row_type_that_is_not_a_dataclass_is_refused():
    class NotADataclass:
        n: int

    with pytest.raises(SchemaError, match="is not a dataclass"):
        declare_extractor(NotADataclass)


def test_an_extractor_without_a_row_type_parameter_is_refused():
    with pytest.raises(SchemaError, match="name the row dataclass as the type parameter"):

        class Untyped(DateAggregatedExtractor):  # type: ignore[type-arg]
            def extract(self, start, end):
                return iter(())


@dataclass
class Keyword:
    n: int


@pytest.mark.parametrize(
    ("table_name", "kind"),
    [
        ("from", "a Python keyword"),
        ("class", "a Python keyword"),
        ("type", "a name Dagster reserves"),
    ],
)
def test_a_table_name_dagster_cannot_name_an_asset_is_refused_at_definition(table_name, kind):
    with pytest.raises(SchemaError) as raised:
        declare_extractor(Keyword, table_name=table_name)
    assert str(raised.value) == (
        f"table name {table_name!r} is {kind}: Dagster cannot name an asset or a resource after "
        "it and would refuse the whole code location; choose another name"
    )


@pytest.mark.parametrize("name", sorted(DAGSTER_RESERVED_NAMES))
def test_every_name_refused_at_definition_is_one_dagster_refuses(name):
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="not a valid name"):
        dg.asset(name=name)(lambda: None)


def test_every_python_keyword_is_refused_as_a_table_or_source_name():
    assert set(keyword.kwlist) <= DAGSTER_RESERVED_NAMES
    with pytest.raises(ValueError, match="'from' is a Python keyword"):
        http_api("from")


def test_a_column_description_longer_than_bigquery_keeps_is_refused_at_definition():
    @dataclass
    class Described:
        n: int = column(description="x" * 1_025)

    with pytest.raises(SchemaError) as raised:
        declare_extractor(Described)
    assert str(raised.value) == (
        "Described.n: description of 1,025 characters; BigQuery keeps at most 1,024"
    )
    declare_extractor(make_dataclass("Fits", [("n", int, column(description="x" * 1_024))]))


def test_a_table_description_longer_than_bigquery_keeps_is_refused_at_definition():
    with pytest.raises(SchemaError, match="table keyword: description of 16,385 characters"):
        declare_extractor(Keyword, __doc__="x" * 16_385)
