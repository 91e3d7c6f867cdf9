"""Contract: rows of every type go through the parquet staging load exactly; the day and range
replace transaction swaps exactly the run's days; a replace failing inside its transaction
leaves them intact; the staging table is dropped; days whose rows did not change are found
so (their fingerprints, every column type) and not rewritten."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from google.api_core.exceptions import GoogleAPICallError

from analytics_assets.rows.extraction import stage_days
from analytics_assets.testing.contract.declarations import (
    PARIS,
    SOURCE,
    EveryType,
    EveryTypeExtractor,
    TallyExtractor,
    on_table,
    tallies,
)
from analytics_assets.testing.runs import table_rows
from analytics_assets.warehouse.restatement import Restated
from analytics_assets.warehouse.sql import replace_script

pytestmark = pytest.mark.bigquery
UTC = dt.UTC
MARCH_30, MARCH_31, APRIL_1 = dt.date(2024, 3, 30), dt.date(2024, 3, 31), dt.date(2024, 4, 1)


def write(warehouse, extractor_cls, days, tmp_path: Path) -> dict[dt.date, Restated]:
    """What the extract asset and the IO manager do for ``days``: stage, then write; what
    became of each day."""
    staged = stage_days(
        extractor_cls(), days, PARIS, tmp_path / f"{extractor_cls.table.name}.parquet"
    )
    return warehouse.write_days(staged)


def _every_type_rows() -> list[EveryType]:
    return [
        EveryType(
            timestamp=dt.datetime(2024, 3, 31, 1, 59, 59, 999999, tzinfo=PARIS),
            count=-(2**63),
            ratio=0.1,
            amount=Decimal("99999999999999999999999999999.999999999"),
            flag=True,
            label="café ☕, 'quoted' `ticked`",
            blob=bytes([0, 255, 10, 1]),
            day=dt.date(2024, 2, 29),
        ),
        EveryType(
            timestamp=dt.datetime(2024, 3, 31, 3, 0, tzinfo=PARIS),
            count=2**63 - 1,
            ratio=-1.5e308,
            amount=Decimal("-0.000000001"),
            flag=False,
            label="",
            blob=b"",
            day=dt.date(1970, 1, 1),
            note="after the jump",
            share=Decimal("0.5"),
        ),
    ]


def test_rows_of_every_type_are_staged_loaded_and_read_back_exactly(contract_warehouse, tmp_path):
    extractor = on_table(EveryTypeExtractor, "contract_types")
    SOURCE[extractor.table.name] = _every_type_rows()
    write(contract_warehouse, extractor, [MARCH_31], tmp_path)
    assert table_rows(contract_warehouse, "contract_types") == [
        {
            "date": MARCH_31,
            "timestamp": dt.datetime(2024, 3, 31, 0, 59, 59, 999999, tzinfo=UTC),
            "count": -(2**63),
            "ratio": 0.1,
            "amount": Decimal("99999999999999999999999999999.999999999"),
            "flag": True,
            "label": "café ☕, 'quoted' `ticked`",
            "blob": bytes([0, 255, 10, 1]),
            "day": dt.date(2024, 2, 29),
            "note": None,
            "share": None,
        },
        {
            "date": MARCH_31,
            "timestamp": dt.datetime(2024, 3, 31, 1, 0, tzinfo=UTC),
            "count": 2**63 - 1,
            "ratio": -1.5e308,
            "amount": Decimal("-0.000000001"),
            "flag": False,
            "label": "",
            "blob": b"",
            "day": dt.date(1970, 1, 1),
            "note": "after the jump",
            "share": Decimal("0.5"),
        },
    ]
    client = contract_warehouse.get_client()
    tables = [t.table_id for t in client.list_tables(contract_warehouse.tables().dataset_id)]
    assert not [name for name in tables if name.startswith("_staging_")]


def test_a_day_staged_again_as_it_is_is_unchanged_and_one_changed_value_is_seen(
    contract_warehouse, tmp_path
):
    extractor = on_table(EveryTypeExtractor, "contract_restated")
    SOURCE[extractor.table.name] = _every_type_rows()
    assert write(contract_warehouse, extractor, [MARCH_30, MARCH_31], tmp_path) == {
        MARCH_30: Restated.UNCHANGED,  # no row on either side
        MARCH_31: Restated.NEW,
    }
    again = write(contract_warehouse, extractor, [MARCH_31], tmp_path)
    assert again == {MARCH_31: Restated.UNCHANGED}  # every type fingerprinted alike
    SOURCE[extractor.table.name][1].ratio = -1.4999999999999998e308  # the nearest double
    assert write(contract_warehouse, extractor, [MARCH_31], tmp_path) == {
        MARCH_31: Restated.CHANGED
    }
    assert [r["ratio"] for r in table_rows(contract_warehouse, "contract_restated")] == [
        0.1,
        -1.4999999999999998e308,
    ]


def _totals(warehouse, table: str) -> dict[dt.date, int]:
    return {row["date"]: row["total"] for row in table_rows(warehouse, table)}


def test_a_range_and_scattered_days_replace_exactly_their_days(contract_warehouse, tmp_path):
    extractor = on_table(TallyExtractor, "contract_replaced")
    first = dt.date(2024, 3, 28)
    SOURCE[extractor.table.name] = tallies(first, (1, "1"), (2, "2"), (3, None), (4, "4"), (5, "5"))
    write(contract_warehouse, extractor, [first + dt.timedelta(days=n) for n in range(5)], tmp_path)
    SOURCE[extractor.table.name] = tallies(
        first, (10, "1"), (20, "2"), (30, None), (40, "4"), (50, "5")
    )
    write(contract_warehouse, extractor, [MARCH_30, MARCH_31], tmp_path)  # a range
    assert _totals(contract_warehouse, "contract_replaced") == {
        first: 1, dt.date(2024, 3, 29): 2, MARCH_30: 30, MARCH_31: 40, APRIL_1: 5
    }  # fmt: skip
    write(contract_warehouse, extractor, [first, APRIL_1], tmp_path)  # not contiguous
    assert _totals(contract_warehouse, "contract_replaced") == {
        first: 10, dt.date(2024, 3, 29): 2, MARCH_30: 30, MARCH_31: 40, APRIL_1: 50
    }  # fmt: skip


def test_a_day_replaced_with_no_rows_is_emptied(contract_warehouse, tmp_path):
    extractor = on_table(EveryTypeExtractor, "contract_emptied")
    SOURCE[extractor.table.name] = [
        EveryType(
            dt.datetime.combine(day, dt.time(12), PARIS), n, 1.0, Decimal(n), True, "", b"", day
        )
        for n, day in ((1, MARCH_30), (2, MARCH_31))
    ]
    write(contract_warehouse, extractor, [MARCH_30, MARCH_31], tmp_path)
    SOURCE[extractor.table.name] = []
    write(contract_warehouse, extractor, [MARCH_31], tmp_path)
    assert [row["count"] for row in table_rows(contract_warehouse, "contract_emptied")] == [1]


def test_a_replace_failing_inside_its_transaction_leaves_the_days_intact(
    contract_warehouse, tmp_path
):
    extractor = on_table(TallyExtractor, "contract_intact")
    SOURCE[extractor.table.name] = tallies(MARCH_30, (1, "1"), (2, "2"))
    write(contract_warehouse, extractor, [MARCH_30, MARCH_31], tmp_path)
    before = table_rows(contract_warehouse, "contract_intact")
    tables = contract_warehouse.tables()
    # The staging table has gone (expired, dropped): the replace fails inside its transaction.
    script = replace_script(
        tables.table_id("contract_intact"),
        tables.table_id("_staging_contract_intact_gone"),
        extractor.table.column_names,
        [MARCH_30, MARCH_31],
    )
    job_config = contract_warehouse.query_config("contract_intact")
    with pytest.raises(GoogleAPICallError, match="_staging_contract_intact_gone"):
        contract_warehouse.get_client().query(script, job_config=job_config).result()
    assert table_rows(contract_warehouse, "contract_intact") == before
