"""Where the contract suite runs: the emulator, or a real project when the run asks for it.

Real BigQuery is used only when three things hold: ``BIGQUERY_PROJECT`` is set, the run
selects the suite with ``-m bigquery`` (a plain ``pytest`` with the variable set in the
shell never reaches a real project by accident), and credentials are found the way a
production run finds them (:mod:`analytics_assets.warehouse.credentials`) and get a token.
Otherwise every ``[bigquery]`` test is skipped with the one reason saying what is missing;
a run that asked for real BigQuery (``-m bigquery``) stops with that reason instead of
ending green with nothing checked.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import uuid

import pytest

from analytics_assets.local.config import EMULATOR_PROJECT
from analytics_assets.warehouse.resource import BigQueryWarehouse

EMULATOR, BIGQUERY = "emulator", "bigquery"
TARGETS = (EMULATOR, BIGQUERY)
#: Tables left behind by an interrupted run expire on their own.
DEFAULT_TABLE_EXPIRY = dt.timedelta(hours=6)
DATASET_LABELS = {"purpose": "analytics-assets-contract"}


def asks_for_real_bigquery(config: pytest.Config) -> bool:
    """The run selects the suite by its marker (``-m bigquery``, not ``-m "not bigquery"``)."""
    return re.search(r"(?<!not )\bbigquery\b", config.option.markexpr or "") is not None


def why_not_real_bigquery(config: pytest.Config) -> str | None:
    """Why this run does not reach real BigQuery; None when it does."""
    project = os.environ.get("BIGQUERY_PROJECT", "").strip()
    if not project:
        return (
            "real BigQuery not configured: set BIGQUERY_PROJECT and credentials (BIGQUERY_"
            "CREDENTIALS_JSON, BIGQUERY_CREDENTIALS_FILE or ADC) and run pytest -m bigquery"
        )
    if not asks_for_real_bigquery(config):
        return f"BIGQUERY_PROJECT={project} is set, but only pytest -m bigquery runs against it"
    from analytics_assets.warehouse.credentials import (
        CredentialsError,
        checked_token,
        credentials_from_environment,
    )

    try:
        checked_token(credentials_from_environment())
    except CredentialsError as error:
        return f"BIGQUERY_PROJECT={project} is set, but {error}"
    return None


def throwaway_dataset_name() -> str:
    return f"analytics_contract_{uuid.uuid4().hex[:10]}"


def real_warehouse(dataset: str) -> BigQueryWarehouse:
    return BigQueryWarehouse(
        project=os.environ["BIGQUERY_PROJECT"].strip(),
        dataset=dataset,
        location=os.environ.get("BIGQUERY_LOCATION", "").strip() or "EU",
    )


def emulator_warehouse(emulator_url: str, dataset: str) -> BigQueryWarehouse:
    return BigQueryWarehouse(
        project=EMULATOR_PROJECT,
        dataset=dataset,
        location="EU",
        emulator_url=emulator_url,
        environment="local",
    )


def elsewhere(warehouse: BigQueryWarehouse, dataset: str, **fields: object) -> BigQueryWarehouse:
    """The same target and location, another dataset, ``fields`` (governance) on top."""
    return BigQueryWarehouse(
        project=warehouse.project,
        dataset=dataset,
        location=warehouse.location,
        emulator_url=warehouse.emulator_url,
        environment=warehouse.environment,
        **fields,  # type: ignore[arg-type]
    )


def emulator_lacks(request: pytest.FixtureRequest, warehouse: BigQueryWarehouse, why: str) -> None:
    """On the emulator, this test must fail (strict xfail): ``why`` is the leniency it shows.
    If a new emulator version starts to pass it, the suite says so."""
    if warehouse.uses_emulator:
        request.applymarker(pytest.mark.xfail(strict=True, reason=f"the emulator {why}"))
