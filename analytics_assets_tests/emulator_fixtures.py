"""Pytest fixtures for the embedded BigQuery emulator: one fresh emulator per test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

from analytics_assets.local.emulator_process import EmbeddedEmulator
from analytics_assets.local.network import free_port


@pytest.fixture(scope="session")
def bigquery_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of an emulator started for this session on a free port, stopped at its end."""
    data_dir = tmp_path_factory.mktemp("bigquery_emulator") / "bigquery"
    emulator = EmbeddedEmulator.start(data_dir, free_port(), "local-project", detached=False)
    with emulator:
        yield emulator.url


def make_emulator_client(url: str, project: str = "local-project") -> bigquery.Client:
    """A BigQuery client for the emulator at ``url``, without looking for Google credentials.

    ``BIGQUERY_EMULATOR_HOST`` alone is not enough: the client still calls
    ``google.auth.default()``, which fails on a machine without credentials.
    """
    return bigquery.Client(
        project=project,
        credentials=AnonymousCredentials(),
        client_options={"api_endpoint": url},
    )
