"""Fixtures of the contract suite: a throwaway dataset on each target, ``[emulator]`` and
``[bigquery]`` (:mod:`analytics_assets.testing.contract.targets`); the ``[bigquery]`` tests are
marked skipped, with the one reason, when this run does not reach real BigQuery, and a run
that asked for it (``-m bigquery``) stops with that reason."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from analytics_assets.testing.contract.targets import (
    BIGQUERY,
    DATASET_LABELS,
    DEFAULT_TABLE_EXPIRY,
    EMULATOR,
    TARGETS,
    asks_for_real_bigquery,
    emulator_warehouse,
    real_warehouse,
    throwaway_dataset_name,
    why_not_real_bigquery,
)
from analytics_assets.warehouse.resource import BigQueryWarehouse


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip every ``[bigquery]`` test, with the one reason, unless this run reaches BigQuery;
    refuse the run if it asked for real BigQuery and cannot reach it."""
    why_not = why_not_real_bigquery(config)
    if why_not is None:
        return
    if asks_for_real_bigquery(config):
        raise pytest.UsageError(f"pytest -m bigquery: {why_not}")
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("contract_warehouse") == BIGQUERY:
            item.add_marker(pytest.mark.skip(reason=why_not))


@pytest.fixture(scope="session", params=TARGETS)
def contract_warehouse(request: pytest.FixtureRequest) -> Iterator[BigQueryWarehouse]:
    """A warehouse in a dataset made for this run on the target, deleted with its tables at
    the end; its tables expire on their own after a while if the run is interrupted."""
    dataset = throwaway_dataset_name()
    if request.param == EMULATOR:
        warehouse = emulator_warehouse(request.getfixturevalue("bigquery_emulator"), dataset)
    else:
        warehouse = real_warehouse(dataset)
    from google.cloud import bigquery

    client = warehouse.get_client()
    made = bigquery.Dataset(f"{warehouse.project}.{dataset}")
    made.location = warehouse.location
    made.default_table_expiration_ms = int(DEFAULT_TABLE_EXPIRY.total_seconds() * 1000)
    made.labels = dict(DATASET_LABELS)
    client.create_dataset(made)
    try:
        yield warehouse
    finally:
        client.delete_dataset(made, delete_contents=True, not_found_ok=True)
