"""Google credentials from the environment: service-account JSON (raw or base64), key file, or ADC.

Secrets are read from environment variables at run time and never pass through Dagster
config, so they never show in the UI, in run config or in metadata. Every failure names
the variable to fix and never echoes the secret itself.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import google.auth
import google.auth.exceptions
from google.auth.credentials import Credentials
from google.oauth2 import service_account

#: How long one request for an access token may take before the run is told why it failed
#: (google-auth's own default is 120 s a try, three tries).
TOKEN_TIMEOUT_SECONDS = 10.0
CREDENTIALS_JSON_VAR = "BIGQUERY_CREDENTIALS_JSON"
CREDENTIALS_FILE_VAR = "BIGQUERY_CREDENTIALS_FILE"
ADC_FILE_VAR = "GOOGLE_APPLICATION_CREDENTIALS"
BIGQUERY_SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)


class CredentialsError(RuntimeError):
    """Credentials are configured but unusable, or none can be found."""


def _parse_service_account_json(raw: str) -> dict[str, Any]:
    text = raw.strip()
    if not text.startswith("{"):
        try:
            text = base64.b64decode(text, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise CredentialsError(
                f"{CREDENTIALS_JSON_VAR} is neither a JSON object nor base64-encoded JSON"
            ) from None
    try:
        info = json.loads(text)
    except json.JSONDecodeError as error:
        raise CredentialsError(
            f"{CREDENTIALS_JSON_VAR} is not valid JSON (line {error.lineno}, column {error.colno})"
        ) from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise CredentialsError(
            f'{CREDENTIALS_JSON_VAR} must hold a service-account key ("type": "service_account")'
        )
    return info


def _from_info(info: dict[str, Any], source: str) -> Credentials:
    missing = [k for k in ("client_email", "private_key", "token_uri") if not info.get(k)]
    if missing:
        raise CredentialsError(f"{source}: the service-account key lacks {', '.join(missing)}")
    try:
        return service_account.Credentials.from_service_account_info(info, scopes=BIGQUERY_SCOPES)
    except (ValueError, google.auth.exceptions.GoogleAuthError) as error:
        reason = type(error).__name__
        raise CredentialsError(
            f"{source}: the service-account key is unusable ({reason})"
        ) from None


#: Longer values cannot be paths (Linux allows 4,096 bytes): a key pasted into the variable.
_MAX_PATH_CHARS = 4096


def _key_file(variable: str, value: str) -> Path:
    """The file ``variable`` names; a value that is not a path (a key pasted into it, a path
    no file has) is refused without ever echoing it: it may be the secret itself."""
    looks_like_a_key = value.lstrip().startswith(("{", "-----BEGIN")) or "\n" in value
    if looks_like_a_key or len(value) > _MAX_PATH_CHARS:
        raise CredentialsError(
            f"{variable} holds {len(value)} characters that are not a file path (a key pasted "
            f"into a path variable?): put a service-account key in {CREDENTIALS_JSON_VAR}, "
            f"and only the path of a key file in {variable}"
        )
    try:
        key_file = Path(value)
        found = key_file.is_file()
    except (OSError, ValueError):
        found = False
    if not found:
        where = "" if Path(value).is_absolute() else f", relative to {Path.cwd()}"
        raise CredentialsError(
            f"{variable} names no readable file (its value, {len(value)} characters, is not "
            f"shown: it may be a secret{where})"
        )
    return Path(value)


def _from_file(variable: str, path: str) -> Credentials:
    key_file = _key_file(variable, path)
    try:
        info = json.loads(key_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        raise CredentialsError(f"{variable}={path!r}: the file is not JSON") from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise CredentialsError(f"{variable}={path!r}: not a service-account key file")
    return _from_info(info, f"{variable}={path!r}")


def credentials_from_environment(environ: Mapping[str, str] | None = None) -> Credentials:
    """Credentials for real BigQuery, looked up in this order:

    1. ``BIGQUERY_CREDENTIALS_JSON``: a service-account key, raw JSON or base64 of it;
    2. ``BIGQUERY_CREDENTIALS_FILE`` (or ``GOOGLE_APPLICATION_CREDENTIALS``): a key file;
    3. Application Default Credentials (``gcloud auth application-default login``,
       workload identity, the metadata server).
    """
    env = os.environ if environ is None else environ
    raw_json = env.get(CREDENTIALS_JSON_VAR, "").strip()
    if raw_json:
        return _from_info(_parse_service_account_json(raw_json), CREDENTIALS_JSON_VAR)
    key_file = env.get(CREDENTIALS_FILE_VAR, "").strip()
    if key_file:
        return _from_file(CREDENTIALS_FILE_VAR, key_file)
    adc_file = env.get(ADC_FILE_VAR, "").strip()
    if adc_file:
        _key_file(ADC_FILE_VAR, adc_file)
    try:
        credentials, _ = google.auth.default(scopes=BIGQUERY_SCOPES)
    except google.auth.exceptions.DefaultCredentialsError:
        raise CredentialsError(
            "no BigQuery credentials: set BIGQUERY_CREDENTIALS_JSON (service-account JSON, "
            "raw or base64), BIGQUERY_CREDENTIALS_FILE (key file path), or configure "
            "Application Default Credentials"
        ) from None
    return credentials


def checked_token(credentials: Credentials, timeout_seconds: float = TOKEN_TIMEOUT_SECONDS) -> None:
    """Get ``credentials`` an access token now, each request bounded by ``timeout_seconds``:
    an unreachable or refusing token endpoint is one CredentialsError naming its host, in
    seconds, instead of minutes of retries and a page of tracebacks in every run."""
    from urllib.parse import urlsplit

    from google.auth.transport.requests import Request as AuthRequest

    class BoundedRequest(AuthRequest):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            kwargs["timeout"] = timeout_seconds
            return super().__call__(*args, **kwargs)

    endpoint = getattr(credentials, "_token_uri", None) or "the metadata server or ADC endpoint"
    host = urlsplit(endpoint).hostname or endpoint
    try:
        credentials.refresh(BoundedRequest())
    except google.auth.exceptions.GoogleAuthError as error:
        first_line = (str(error).splitlines() or [""])[0][:200]
        raise CredentialsError(
            f"no access token from {host} ({type(error).__name__}: {first_line}): check that "
            "the token endpoint is reachable from here and that the key is valid"
        ) from None
