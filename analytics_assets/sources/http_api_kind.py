"""The HTTP API source kind: an ``HttpApi`` resource per named API, configured by its variables.

For a source ``http_api("desk_api")`` the resource reads ``ANALYTICS_DESK_API_URL`` (the
API's root) and ``ANALYTICS_DESK_API_TOKEN`` (its credential, passed as ``dg.EnvVar`` so
the UI shows the variable's name, never its value), and optionally
``ANALYTICS_DESK_API_MAX_REQUESTS_PER_SECOND`` (default 10) and
``ANALYTICS_DESK_API_MAX_PAGES`` (pages of one listing, default 10,000). Transient:
httpx's transport errors (connection, timeout, reset); 429/5xx answers are retried by the
client itself.
"""

from __future__ import annotations

import sys
from typing import Any

import dagster as dg

from analytics_assets.environment_variables import (
    RequiredVariables,
    SettingsError,
    env_bounded,
    env_float,
)
from analytics_assets.extract.source import HTTP_API_KIND
from analytics_assets.sources.http_api import HttpApi
from analytics_assets.sources.kind import SourceKind
from analytics_assets.sources.urls import refuse_credentials_in_url


def api_variable(name: str, setting: str) -> str:
    """``ANALYTICS_<NAME>_<SETTING>``: where the setting of the API source ``name`` is read."""
    return f"ANALYTICS_{name.upper()}_{setting}"


def _http_api_resource(name: str, variables: RequiredVariables) -> HttpApi:
    url_variable, token_variable = api_variable(name, "URL"), api_variable(name, "TOKEN")
    url = variables.get(url_variable, f"the root URL of the {name} API")
    token = variables.get(token_variable, f"the credential of the {name} API")
    if url:
        try:
            refuse_credentials_in_url(url)
        except ValueError as problem:
            raise SettingsError(f"{url_variable}: {problem}; put it in {token_variable}") from None
    rate_variable = api_variable(name, "MAX_REQUESTS_PER_SECOND")
    rate = env_float(rate_variable, 10.0, variables.environ)
    max_pages = env_bounded(api_variable(name, "MAX_PAGES"), 10_000, 1, 10**9, variables.environ)
    token_value: Any = dg.EnvVar(token_variable) if token else None
    return HttpApi(
        base_url=url.rstrip("/") or "http://unset.invalid",
        token=token_value,
        max_requests_per_second=rate,
        max_pages=max_pages,
    )


def _httpx_transient_errors() -> tuple[type[BaseException], ...]:
    httpx = sys.modules.get("httpx")
    return () if httpx is None else (httpx.TransportError,)


HTTP_API_SOURCE_KIND = SourceKind(HTTP_API_KIND, _http_api_resource, _httpx_transient_errors)
