"""Shared fixtures. The emulator, a fresh dataset per test and their client come from the testing
kit's pytest plugin (:mod:`analytics_assets.testing.plugin`), as in any team's project; this
suite knows them by shorter names. Every SQL statement the project sends to BigQuery during a
test is captured and held to BigQuery's rules (:mod:`analytics_assets_tests.sql_rules`).

The suite runs on as many pytest-xdist workers as the machine has cores, a test file per
worker at a time (``-n auto --dist loadfile``, pyproject.toml), the files that start a real
`analytics-assets dev` first.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from google.cloud import bigquery

from analytics_assets.warehouse.resource import BigQueryWarehouse
from analytics_assets_tests.sql_rules import StatementRecorder, violations

#: Marks of the tests that start a real `analytics-assets dev` or build a fresh environment
#: from the wheel: a minute or more each.
SLOWEST_MARKS = ("browser", "dagster_dev", "outside")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files holding a test that starts a real `analytics-assets dev` run first, each file's
    tests in their order: started last, one of them would run alone at the end of the suite
    while the other workers sit idle (xdist hands out whole files, in this order)."""
    slow_files = {
        item.path for item in items if any(item.get_closest_marker(m) for m in SLOWEST_MARKS)
    }
    items.sort(key=lambda item: item.path not in slow_files)


@pytest.fixture
def warehouse(bigquery_warehouse: BigQueryWarehouse) -> BigQueryWarehouse:
    """The kit's ``bigquery_warehouse``: a dataset no other test uses, on the session's emulator."""
    return bigquery_warehouse


@pytest.fixture
def bq_client(bigquery_client: bigquery.Client) -> bigquery.Client:
    """The kit's ``bigquery_client``: the client of ``warehouse``."""
    return bigquery_client


@pytest.fixture(scope="session")
def sql_recorder() -> Iterator[StatementRecorder]:
    with StatementRecorder().installed() as recorder:
        yield recorder


@dataclass
class SentStatements:
    """The SQL the project sent to BigQuery since the test started."""

    recorder: StatementRecorder
    start: int

    @property
    def statements(self) -> list[str]:
        return self.recorder.statements[self.start :]


@pytest.fixture(autouse=True)
def sql_sent(sql_recorder: StatementRecorder) -> Iterator[SentStatements]:
    """Fails the test if a statement the project sent during it breaks a rule of BigQuery's."""
    sent = SentStatements(sql_recorder, len(sql_recorder.statements))
    yield sent
    broken = [(sql, problems) for sql in sent.statements if (problems := violations(sql))]
    if broken:
        report = "\n\n".join(f"{sql}\n  -> " + "\n  -> ".join(p) for sql, p in broken)
        pytest.fail(f"SQL that BigQuery would refuse or run differently:\n{report}")
