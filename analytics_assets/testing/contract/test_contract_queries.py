"""Contract: a daily run end to end (the delta view created or replaced and its rows, the checks'
queries), and the job labels and ``maximum_bytes_billed`` every query carries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from google.cloud import bigquery

from analytics_assets.testing.contract.declarations import (
    SOURCE,
    TallyExtractor,
    on_table,
    tallies,
)
from analytics_assets.testing.contract.targets import elsewhere, emulator_lacks
from analytics_assets.testing.locations import location_settings
from analytics_assets.testing.runs import materialize
from analytics_assets.warehouse.resource import job_labels

pytestmark = pytest.mark.bigquery
MARCH_30 = dt.date(2024, 3, 30)
#: BigQuery bills at least 10 MiB a query: the lowest limit a query can carry.
LOWEST_LIMIT = 10 * 2**20


def test_the_delta_view_is_created_or_replaced_and_gives_the_day_over_day_changes(
    contract_warehouse,
):
    extractor = on_table(TallyExtractor, "contract_viewed")
    SOURCE[extractor.table.name] = tallies(
        MARCH_30, (10, "1.5"), (12, None), (15, "2"), (15, "2.25"), (0, "0"), (21, "3")
    )
    settings = location_settings(MARCH_30)
    materialize(extractor, contract_warehouse, MARCH_30, "2024-04-02", settings=settings)
    run = materialize(  # the view is replaced; the day after a gap (4 April) is raw
        extractor, contract_warehouse, "2024-04-04", settings=settings, checks=True
    )
    assert run.rows("contract_viewed_delta") == [
        {"date": dt.date(2024, 3, 30), "total": 10, "level": Decimal("1.5")},
        {"date": dt.date(2024, 3, 31), "total": 2, "level": None},
        {"date": dt.date(2024, 4, 1), "total": 3, "level": None},
        {"date": dt.date(2024, 4, 2), "total": 0, "level": Decimal("0.25")},
        {"date": dt.date(2024, 4, 4), "total": 21, "level": Decimal("3")},
    ]
    assert run.checks == {
        "contract_viewed.schema_matches_declaration": True,
        "contract_viewed.one_row_per_day": True,
        # 3 April was never materialized: not extracted yet, which is not missing.
        "contract_viewed.no_missing_days": True,
        "contract_viewed.monotonic_fields": True,
    }


def test_queries_carry_the_asset_s_job_labels_and_the_bytes_billed_limit(
    request, contract_warehouse
):
    emulator_lacks(request, contract_warehouse, "keeps neither job labels nor the bytes limit")
    limited = elsewhere(
        contract_warehouse, contract_warehouse.dataset, maximum_bytes_billed=LOWEST_LIMIT
    )
    rows = limited.run_query("SELECT 1 AS one", "contract_labelled")
    assert [row["one"] for row in rows] == [1]
    assert rows.job_id is not None
    job = limited.get_client().get_job(rows.job_id, location=rows.location)
    assert isinstance(job, bigquery.QueryJob)
    assert job.labels == job_labels("contract_labelled")
    assert job.maximum_bytes_billed == LOWEST_LIMIT
