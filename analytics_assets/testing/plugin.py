"""The testing kit's pytest plugin: registered as the ``pytest11`` entry point ``analytics_assets``,
so every project that installs analytics-assets has these fixtures without any conftest:

* ``bigquery_emulator`` (session): the URL of a BigQuery emulator started for the session
  on a free port (the ``emulator`` extra), stopped at its end;
* ``bigquery_warehouse``: a :class:`~analytics_assets.warehouse.resource.BigQueryWarehouse`
  on it, in a dataset no other test uses;
* ``bigquery_client``: that warehouse's google-cloud-bigquery client, to look at what it holds;
* ``dagster_instance``: a temporary Dagster instance (runs, events, partition status), for
  tests that materialize and then evaluate the schedule or the catch-up sensor on it.

It also registers the ``bigquery`` marker of the contract suite
(:mod:`analytics_assets.testing.contract`) and silences two deprecation warnings Dagster
raises inside its own functions. It imports nothing heavy when pytest starts:
Dagster, the BigQuery client and the emulator load when a fixture is first used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import dagster as dg
    from google.cloud import bigquery

    from analytics_assets.warehouse.resource import BigQueryWarehouse

BIGQUERY_MARKER = (
    "bigquery: the BigQuery contract suite (every statement the project sends), run on the "
    "emulator and, when the run asks for it (-m bigquery) with BIGQUERY_PROJECT and "
    "credentials set, on real BigQuery"
)


#: Deprecations Dagster 1.13 raises inside its own functions the kit calls (``materialize``,
#: schedule evaluation): nothing a test or a team's code can act on.
DAGSTER_INTERNAL_WARNINGS = (
    "ignore:InitResourceContext.dagster_run is deprecated:DeprecationWarning",
    "ignore:Function `JobDefinition.run_request_for_partition` is deprecated:DeprecationWarning",
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", BIGQUERY_MARKER)
    for ignored in DAGSTER_INTERNAL_WARNINGS:
        config.addinivalue_line("filterwarnings", ignored)


@pytest.fixture(scope="session")
def bigquery_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a BigQuery emulator started for this test session, stopped at its end."""
    from analytics_assets.testing.emulator import running_emulator

    with running_emulator(tmp_path_factory.mktemp("bigquery_emulator")) as url:
        yield url


@pytest.fixture
def bigquery_warehouse(bigquery_emulator: str) -> BigQueryWarehouse:
    """A warehouse on the session's emulator, in a dataset no other test uses."""
    from analytics_assets.testing.emulator import throwaway_warehouse

    return throwaway_warehouse(bigquery_emulator)


@pytest.fixture
def bigquery_client(bigquery_warehouse: BigQueryWarehouse) -> bigquery.Client:
    """The client of ``bigquery_warehouse``: tables, datasets and queries of the emulator."""
    return bigquery_warehouse.get_client()


@pytest.fixture
def dagster_instance() -> Iterator[dg.DagsterInstance]:
    """A temporary Dagster instance, deleted after the test.

    Runs keep no compute logs: Dagster's default capture tails each run's output through a
    `tail -F` subprocess and, when that process lingers, waits 30 s + 30 s for it at the run's
    end (seen as a 62 s test in the whole suite). The run's output still reaches pytest.
    """
    import dagster as dg

    no_compute_logs = {
        "module": "dagster._core.storage.noop_compute_log_manager",
        "class": "NoOpComputeLogManager",
    }
    with dg.instance_for_test(overrides={"compute_logs": no_compute_logs}) as instance:
        yield instance
