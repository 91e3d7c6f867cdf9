"""Shared fixtures: a fresh BigQuery emulator per test session, a fresh dataset per test."""

from __future__ import annotations

import uuid

import pytest
from google.cloud import bigquery

from analytics_assets.local.config import EMULATOR_PROJECT
from analytics_assets.warehouse.resource import BigQueryWarehouse
from analytics_assets_tests.emulator_fixtures import bigquery_emulator, make_emulator_client

__all__ = ["bigquery_emulator"]


@pytest.fixture
def warehouse(bigquery_emulator: str) -> BigQueryWarehouse:
    """A warehouse on the session's emulator, in a dataset no other test uses."""
    return BigQueryWarehouse(
        project=EMULATOR_PROJECT,
        dataset=f"test_{uuid.uuid4().hex[:10]}",
        location="EU",
        emulator_url=bigquery_emulator,
    )


@pytest.fixture
def bq_client(bigquery_emulator: str) -> bigquery.Client:
    return make_emulator_client(bigquery_emulator, EMULATOR_PROJECT)
