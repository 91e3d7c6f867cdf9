"""Typed settings of the code location, read from environment variables with local defaults.

Nothing else in the package reads ``os.environ`` for configuration: every knob is named
here, once, with its default. With no variable set at all, the location runs on the
embedded BigQuery emulator and the demo Django source, both kept under ``.local/``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from analytics_assets.warehouse.dataset_governance import (
    DEFAULT_DATASET_DESCRIPTION,
    check_description,
    parse_group_emails,
    parse_labels,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent

EMULATOR_PROJECT = "local-project"
SUPPORT_API_TOKEN_ENV = "ANALYTICS_SUPPORT_API_TOKEN"
#: The token the demo API accepts when ANALYTICS_SUPPORT_API_TOKEN is not set (not a secret).
DEMO_SUPPORT_API_TOKEN = "demo-support-token"


class SettingsError(ValueError):
    """An environment variable holds a value the location cannot use."""


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _env_int(name: str, default: int) -> int:
    raw = _env(name, str(default))
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not an integer") from None


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name, "true" if default else "false").lower()
    if raw not in ("true", "false", "1", "0", "yes", "no"):
        raise SettingsError(f"{name}={raw!r} is not true or false")
    return raw in ("true", "1", "yes")


def _env_bounded(name: str, default: int, lowest: int, highest: int) -> int:
    value = _env_int(name, default)
    if not lowest <= value <= highest:
        raise SettingsError(f"{name}={value} is out of range ({lowest} to {highest})")
    return value


def _env_float(name: str, default: float) -> float:
    raw = _env(name, str(default))
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number") from None


_Parsed = TypeVar("_Parsed")


def _env_parsed(name: str, parse: Callable[[str], _Parsed], default: str = "") -> _Parsed:
    """``parse`` the variable's value; its ValueError becomes a SettingsError naming ``name``."""
    raw = _env(name, default)
    try:
        return parse(raw)
    except ValueError as problem:
        raise SettingsError(f"{name}: {problem}") from None


@dataclass(frozen=True)
class Settings:
    """Everything configurable, resolved once per process by :func:`load_settings`."""

    first_date: dt.date
    timezone: str
    local_dir: Path
    bigquery_project: str | None
    bigquery_dataset: str
    bigquery_location: str
    bigquery_emulator_url: str | None
    emulator_port: int
    django_settings_module: str
    demo_database_url: str | None
    demo_scale: float
    automation_running: bool = True
    daily_hour: int = 0
    daily_minute: int = 15
    fresh_by_hour: int = 6
    catch_up_chunk_days: int = 90
    catch_up_interval_seconds: int = 120
    retry_failed_after_minutes: int = 30
    extract_retries: int = 2
    extract_retry_delay_seconds: float = 20.0
    #: A secret (its path is the credential): kept out of ``repr`` so it never reaches a log.
    failure_webhook_url: str | None = field(default=None, repr=False)
    ui_url: str = "http://127.0.0.1:3000"
    #: The support desk's JSON API; None: the demo API, served by this process.
    support_api_url: str | None = None
    #: A secret: kept out of ``repr``. Read by the resource through ``dg.EnvVar``.
    support_api_token: str | None = field(default=None, repr=False)
    support_api_max_requests_per_second: float = 10.0
    #: Dataset governance, reconciled on every write (warehouse/dataset_governance.py).
    bigquery_dataset_description: str = DEFAULT_DATASET_DESCRIPTION
    bigquery_dataset_labels: Mapping[str, str] = field(default_factory=dict)
    bigquery_reader_groups: tuple[str, ...] = ()
    bigquery_writer_groups: tuple[str, ...] = ()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def uses_embedded_emulator(self) -> bool:
        """True when no real BigQuery project and no external emulator is configured."""
        return self.bigquery_project is None and self.bigquery_emulator_url is None

    @property
    def emulator_data_dir(self) -> Path:
        return self.local_dir / "bigquery"

    @property
    def demo_sqlite_path(self) -> Path:
        return self.local_dir / "demo.sqlite3"


def load_settings() -> Settings:
    """Read the environment; raise :class:`SettingsError` naming the variable on bad values."""
    raw_first_date = _env("ANALYTICS_FIRST_DATE", "2024-01-01")
    try:
        first_date = dt.date.fromisoformat(raw_first_date)
    except ValueError:
        raise SettingsError(
            f"ANALYTICS_FIRST_DATE={raw_first_date!r} is not a date (expected YYYY-MM-DD)"
        ) from None
    timezone = _env("ANALYTICS_TIMEZONE", "Europe/Paris")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"ANALYTICS_TIMEZONE={timezone!r} is not an IANA time zone (e.g. Europe/Paris)"
        ) from None
    readers = _env_parsed("BIGQUERY_READER_GROUPS", parse_group_emails)
    writers = partial(parse_group_emails, taken=readers, taken_by="BIGQUERY_READER_GROUPS")
    return Settings(
        first_date=first_date,
        timezone=timezone,
        local_dir=Path(_env("ANALYTICS_LOCAL_DIR", str(PROJECT_ROOT / ".local"))),
        bigquery_project=os.environ.get("BIGQUERY_PROJECT", "").strip() or None,
        bigquery_dataset=_env("BIGQUERY_DATASET", "analytics"),
        bigquery_location=_env("BIGQUERY_LOCATION", "EU"),
        bigquery_emulator_url=os.environ.get("BIGQUERY_EMULATOR_URL", "").strip() or None,
        emulator_port=_env_int("ANALYTICS_EMULATOR_PORT", 9050),
        django_settings_module=_env("DJANGO_SETTINGS_MODULE", "analytics_assets.demo.settings"),
        demo_database_url=os.environ.get("ANALYTICS_DEMO_DATABASE_URL", "").strip() or None,
        demo_scale=_env_float("ANALYTICS_DEMO_SCALE", 1.0),
        automation_running=_env_bool("ANALYTICS_AUTOMATION_RUNNING", True),
        daily_hour=_env_bounded("ANALYTICS_DAILY_HOUR", 0, 0, 23),
        daily_minute=_env_bounded("ANALYTICS_DAILY_MINUTE", 15, 0, 59),
        fresh_by_hour=_env_bounded("ANALYTICS_FRESH_BY_HOUR", 6, 1, 23),
        catch_up_chunk_days=_env_bounded("ANALYTICS_CATCH_UP_CHUNK_DAYS", 90, 1, 10_000),
        catch_up_interval_seconds=_env_bounded(
            "ANALYTICS_CATCH_UP_INTERVAL_SECONDS", 120, 30, 86_400
        ),
        retry_failed_after_minutes=_env_bounded(
            "ANALYTICS_RETRY_FAILED_AFTER_MINUTES", 30, 0, 7 * 24 * 60
        ),
        extract_retries=_env_bounded("ANALYTICS_EXTRACT_RETRIES", 2, 0, 10),
        extract_retry_delay_seconds=_env_float("ANALYTICS_EXTRACT_RETRY_DELAY_SECONDS", 20.0),
        failure_webhook_url=os.environ.get("ANALYTICS_FAILURE_WEBHOOK_URL", "").strip() or None,
        ui_url=_env("ANALYTICS_UI_URL", "http://127.0.0.1:3000").rstrip("/"),
        support_api_url=os.environ.get("ANALYTICS_SUPPORT_API_URL", "").strip().rstrip("/") or None,
        support_api_token=os.environ.get(SUPPORT_API_TOKEN_ENV, "").strip() or None,
        support_api_max_requests_per_second=_env_float(
            "ANALYTICS_SUPPORT_API_MAX_REQUESTS_PER_SECOND", 10.0
        ),
        bigquery_dataset_description=_env_parsed(
            "BIGQUERY_DATASET_DESCRIPTION", check_description, DEFAULT_DATASET_DESCRIPTION
        ),
        bigquery_dataset_labels=_env_parsed("BIGQUERY_DATASET_LABELS", parse_labels),
        bigquery_reader_groups=readers,
        bigquery_writer_groups=_env_parsed("BIGQUERY_WRITER_GROUPS", writers),
    )
