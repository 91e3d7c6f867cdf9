"""Real-BigQuery credentials come from environment variables, with errors naming the variable."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass

import pytest
from google.oauth2 import service_account

from analytics_assets.extract import DateAggregatedExtractor
from analytics_assets.warehouse.credentials import CredentialsError, credentials_from_environment
from analytics_assets.warehouse.resource import BigQueryWarehouse
from analytics_assets_tests.http_servers import json_server
from analytics_assets_tests.keys import service_account_key


@dataclass
class Count:
    n: int


class CountExtractor(DateAggregatedExtractor[Count]):
    source = "python"

    def extract(self, start, end):
        yield Count(1)


@pytest.fixture(scope="module")
def key_json() -> str:
    return service_account_key()


def test_service_account_json_is_accepted_raw_or_base64(key_json):
    for value in (key_json, base64.b64encode(key_json.encode()).decode()):
        credentials = credentials_from_environment({"BIGQUERY_CREDENTIALS_JSON": value})
        assert isinstance(credentials, service_account.Credentials)
        assert credentials.service_account_email.startswith("loader@")


def test_a_key_file_path_is_accepted(key_json, tmp_path):
    path = tmp_path / "key.json"
    path.write_text(key_json)
    credentials = credentials_from_environment({"BIGQUERY_CREDENTIALS_FILE": str(path)})
    assert isinstance(credentials, service_account.Credentials)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"BIGQUERY_CREDENTIALS_JSON": "not json at all"}, "BIGQUERY_CREDENTIALS_JSON is neither"),
        ({"BIGQUERY_CREDENTIALS_JSON": "{oops"}, "BIGQUERY_CREDENTIALS_JSON is not valid JSON"),
        ({"BIGQUERY_CREDENTIALS_JSON": '{"type": "user"}'}, "must hold a service-account key"),
        ({"BIGQUERY_CREDENTIALS_FILE": "/nowhere/key.json"}, "names no readable file"),
        ({"GOOGLE_APPLICATION_CREDENTIALS": "/nowhere/adc.json"}, "GOOGLE_APPLICATION_CREDENTIALS"),
    ],
)
def test_garbled_or_missing_credentials_name_the_variable(environ, message):
    with pytest.raises(CredentialsError, match=message):
        credentials_from_environment(environ)


def test_a_truncated_key_never_echoes_the_secret(key_json):
    broken = json.loads(key_json)
    broken["private_key"] = broken["private_key"][:200]
    with pytest.raises(CredentialsError) as raised:
        credentials_from_environment({"BIGQUERY_CREDENTIALS_JSON": json.dumps(broken)})
    assert "BIGQUERY_CREDENTIALS_JSON" in str(raised.value)
    assert "PRIVATE KEY" not in str(raised.value)


def _token(path: str, body: bytes) -> tuple[int, dict]:
    """A token endpoint that grants every signed request (the key's JWT is not checked)."""
    return 200, {"access_token": "ya29.test", "expires_in": 3600, "token_type": "Bearer"}


def test_the_production_client_is_the_same_resource_with_the_project_pinned(key_json, monkeypatch):
    with json_server(lambda *_: (404, {}), post_answer=_token) as endpoint:
        key = json.loads(key_json) | {"token_uri": f"{endpoint.url}/token"}
        monkeypatch.setenv("BIGQUERY_CREDENTIALS_JSON", json.dumps(key))
        client = BigQueryWarehouse(project="other-project", dataset="d").get_client()
        assert [path for path, _ in endpoint.posts] == ["/token"]  # a token, before any call
    assert client.project == "other-project"
    assert isinstance(client._credentials, service_account.Credentials)
    assert client._credentials.token == "ya29.test"
    assert client._connection.API_BASE_URL == "https://bigquery.googleapis.com"


def test_an_unreachable_token_endpoint_fails_a_run_in_seconds_with_one_message(
    key_json, monkeypatch
):
    from analytics_assets.local.network import free_port
    from analytics_assets.testing import materialize

    unreachable = f"http://127.0.0.1:{free_port()}/token"
    key = json.loads(key_json) | {"token_uri": unreachable}
    monkeypatch.setenv("BIGQUERY_CREDENTIALS_JSON", json.dumps(key))
    real = BigQueryWarehouse(project="acme-analytics", dataset="analytics")
    started = time.monotonic()
    run = materialize(CountExtractor, real, "2024-01-02", raise_on_error=False)
    elapsed = time.monotonic() - started
    assert not run.success
    (error,) = run.errors
    assert error.startswith("CredentialsError: no access token from 127.0.0.1 (TransportError"), (
        error
    )
    assert key["private_key"][40:80] not in error
    assert elapsed < 60, f"{elapsed:.0f} s"


@pytest.mark.parametrize(
    "variable", ["BIGQUERY_CREDENTIALS_FILE", "GOOGLE_APPLICATION_CREDENTIALS"]
)
def test_a_key_pasted_into_a_path_variable_is_refused_without_echoing_any_of_it(key_json, variable):
    with pytest.raises(CredentialsError) as refused:
        credentials_from_environment({variable: key_json})
    message = str(refused.value)
    assert message.startswith(f"{variable} holds {len(key_json)} characters that are not a file")
    assert "private_key" not in message and "BEGIN" not in message and "loader@" not in message
    assert refused.value.__cause__ is None and refused.value.__context__ is None
