"""The HTTP API source kind: an ``HttpApi`` resource per named API, configured by its variables
or by a Component's ``sources:`` entry.

For a source ``http_api("desk_api")`` the resource reads ``ANALYTICS_DESK_API_URL`` (the
API's root) and ``ANALYTICS_DESK_API_TOKEN`` (its credential, passed as ``dg.EnvVar`` so
the UI shows the variable's name, never its value), and optionally
``ANALYTICS_DESK_API_MAX_REQUESTS_PER_SECOND`` (default 10) and
``ANALYTICS_DESK_API_MAX_PAGES`` (pages of one listing, default 10,000); in a Component,
``sources: {desk_api: {url, token_env, max_requests_per_second, max_pages}}``. Transient:
httpx's transport errors (connection, timeout, reset); 429/5xx answers are retried by the
client itself.
"""

from __future__ import annotations

import sys

import dagster as dg
from pydantic import BaseModel, ConfigDict, Field, field_validator

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


class HttpApiSourceSettings(BaseModel):
    """An HTTP API source: its root ``url`` (no credential in it), ``token_env`` (the name of
    the variable holding its token: the UI shows that name, never the token), its rate and
    page cap."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1)
    token_env: str | None = None
    max_requests_per_second: float = Field(default=10.0, gt=0, le=1000)
    max_pages: int = Field(default=10_000, ge=1, le=10**9)

    @field_validator("url")
    @classmethod
    def _no_credentials(cls, url: str) -> str:
        return refuse_credentials_in_url(url).rstrip("/")


def _http_api_settings(name: str, variables: RequiredVariables) -> HttpApiSourceSettings | None:
    url_variable, token_variable = api_variable(name, "URL"), api_variable(name, "TOKEN")
    url = variables.get(url_variable, f"the root URL of the {name} API")
    token = variables.get(token_variable, f"the credential of the {name} API")
    if url:
        try:
            refuse_credentials_in_url(url)
        except ValueError as problem:
            raise SettingsError(f"{url_variable}: {problem}; put it in {token_variable}") from None
    rate = env_float(api_variable(name, "MAX_REQUESTS_PER_SECOND"), 10.0, variables.environ)
    max_pages = env_bounded(api_variable(name, "MAX_PAGES"), 10_000, 1, 10**9, variables.environ)
    if not (url and token):
        return None
    return HttpApiSourceSettings(
        url=url, token_env=token_variable, max_requests_per_second=rate, max_pages=max_pages
    )


def _http_api_resource(name: str, settings: HttpApiSourceSettings) -> HttpApi:
    return HttpApi(
        base_url=settings.url,
        token=dg.EnvVar(settings.token_env) if settings.token_env else None,  # type: ignore[arg-type]
        max_requests_per_second=settings.max_requests_per_second,
        max_pages=settings.max_pages,
    )


def _httpx_transient_errors() -> tuple[type[BaseException], ...]:
    httpx = sys.modules.get("httpx")
    return () if httpx is None else (httpx.TransportError,)


HTTP_API_SOURCE_KIND = SourceKind(
    HTTP_API_KIND,
    HttpApiSourceSettings,
    _http_api_settings,
    _http_api_resource,
    _httpx_transient_errors,
)
