"""The core settings of the code location, read once from environment variables.

``ANALYTICS_ENV`` is the one switch: ``demo`` (the default: the embedded emulator and the
demo shop), ``local`` (the embedded emulator and your own extractors and sources) or
``production`` (real BigQuery and your own extractors and sources). What each
environment needs and refuses is decided in :mod:`analytics_assets.environments`; the
settings of each source kind, of the emulator and of the demo are read by their own
modules. Every bad value is one :class:`SettingsError` naming the variable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from analytics_assets.environment_variables import (
    Environ,
    SettingsError,
    env_bool,
    env_bounded,
    env_float,
    env_optional,
    env_parsed,
    env_str,
)
from analytics_assets.sources.urls import refuse_credentials_in_url
from analytics_assets.warehouse.dataset_governance import (
    DEFAULT_DATASET_DESCRIPTION,
    check_described_length,
    check_description,
    parse_group_emails,
    parse_labels,
)
from analytics_assets.warehouse.limits import (
    MAX_PARTITIONS_PER_JOB,
    check_location,
    parse_maximum_bytes_billed,
)

__all__ = ["Environment", "Settings", "SettingsError", "load_settings"]

ENVIRONMENT_VARIABLE = "ANALYTICS_ENV"
EXTRACTOR_MODULES_VARIABLE = "ANALYTICS_EXTRACTOR_MODULES"
#: Days per catch-up run: a year per run. Every run pays a fixed cost per table (a
#: staging load, the MERGE, the checks' queries: ~2.4 s on the emulator, a second or more a
#: job on BigQuery), so 90-day runs spent 14 % of a 3-year catch-up on it (#17).
CATCH_UP_CHUNK_DAYS = 365
#: Complete local days the daily run (re-)extracts, yesterday included: late rows in
#: application data (an order back-dated by a support agent, a webhook retried for a day)
#: typically arrive within 1-2 days, and 3 also covers a fix made on the Monday for a
#: Saturday without tripling the cost (a day whose rows did not change is compared, not
#: rewritten). 1 means no lookback: yesterday only.
LOOKBACK_DAYS = 3
#: A month at most: older corrections belong to a backfill, not to every day's run.
MAX_LOOKBACK_DAYS = 31


class Environment(StrEnum):
    """Where the location runs: which warehouse, which extractors and sources."""

    DEMO = "demo"
    LOCAL = "local"
    PRODUCTION = "production"

    @property
    def uses_emulator(self) -> bool:
        return self is not Environment.PRODUCTION


#: The demo's history starts here and is told in this zone; outside the demo both are required.
DEMO_FIRST_DATE = dt.date(2024, 1, 1)
DEMO_TIMEZONE = "Europe/Paris"
FIRST_DATE_VARIABLE = "ANALYTICS_FIRST_DATE"
TIMEZONE_VARIABLE = "ANALYTICS_TIMEZONE"


@dataclass(frozen=True)
class Settings:
    """Everything configurable in the core, resolved once per process by :func:`load_settings`.

    ``first_date`` and ``timezone`` have the demo's values in the demo and are None where
    they were not set elsewhere: the location then refuses to load, naming their variables
    (:mod:`analytics_assets.environments`); :attr:`start` and :attr:`tz` read them.
    """

    environment: Environment
    first_date: dt.date | None
    timezone: str | None
    local_dir: Path
    bigquery_dataset: str
    bigquery_location: str
    #: Google Cloud project (production only; None elsewhere).
    bigquery_project: str | None = None
    #: Production only: BigQuery's REST endpoint, when not Google's default (a private or
    #: regional endpoint; an emulator on this machine rehearses production).
    bigquery_api_endpoint: str | None = None
    #: Modules or packages holding the team's extractors (local and production).
    extractor_modules: tuple[str, ...] = ()
    #: Put before every asset key and in every other name of the location (a Component
    #: instance's; the standalone location has none): ``analytics/user``.
    key_prefix: tuple[str, ...] = ()
    automation_running: bool = True
    daily_hour: int = 0
    daily_minute: int = 15
    #: Days the daily run extracts, ending yesterday (ANALYTICS_LOOKBACK_DAYS; 1: yesterday only).
    lookback_days: int = LOOKBACK_DAYS
    fresh_by_hour: int = 6
    catch_up_chunk_days: int = CATCH_UP_CHUNK_DAYS
    catch_up_interval_seconds: int = 120
    retry_failed_after_minutes: int = 30
    extract_retries: int = 2
    extract_retry_delay_seconds: float = 20.0
    #: A secret (its path is the credential): kept out of ``repr`` so it never reaches a log.
    failure_webhook_url: str | None = field(default=None, repr=False)
    ui_url: str = "http://127.0.0.1:3000"
    #: Dataset governance, reconciled on every write (warehouse/dataset_governance.py).
    bigquery_dataset_description: str = DEFAULT_DATASET_DESCRIPTION
    bigquery_dataset_labels: Mapping[str, str] = field(default_factory=dict)
    bigquery_reader_groups: tuple[str, ...] = ()
    bigquery_writer_groups: tuple[str, ...] = ()
    #: The cost guard of every query job (BIGQUERY_MAXIMUM_BYTES_BILLED); None: no limit.
    bigquery_maximum_bytes_billed: int | None = None

    @property
    def start(self) -> dt.date:
        """The first day of every asset's partitions (ANALYTICS_FIRST_DATE)."""
        if self.first_date is None:
            raise SettingsError(f"{FIRST_DATE_VARIABLE} is not set (the first day to extract)")
        return self.first_date

    @property
    def zone(self) -> str:
        """The IANA zone whose local days the partitions are (ANALYTICS_TIMEZONE)."""
        if self.timezone is None:
            raise SettingsError(f"{TIMEZONE_VARIABLE} is not set (the zone of your local days)")
        return self.timezone

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    @property
    def unset_required(self) -> list[tuple[str, str]]:
        """The required variables left unset outside the demo, with what each is for."""
        unset = []
        if self.first_date is None:
            unset.append((FIRST_DATE_VARIABLE, "the first day to extract, YYYY-MM-DD"))
        if self.timezone is None:
            unset.append((TIMEZONE_VARIABLE, "the IANA zone of your local days, e.g. Europe/Paris"))
        return unset


def _environment(environ: Environ | None) -> Environment:
    raw = env_str(ENVIRONMENT_VARIABLE, Environment.DEMO.value, environ).lower()
    try:
        return Environment(raw)
    except ValueError:
        known = ", ".join(e.value for e in Environment)
        raise SettingsError(f"{ENVIRONMENT_VARIABLE}={raw!r} is not one of {known}") from None


def parse_first_date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a date (expected YYYY-MM-DD)") from None


_Value = TypeVar("_Value")


def check_timezone(timezone: str) -> str:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{timezone!r} is not an IANA time zone (e.g. Europe/Paris)") from None
    return timezone


def _demo_defaulted(
    name: str,
    parse: Callable[[str], _Value],
    demo_value: _Value,
    environ: Environ | None,
    environment: Environment,
) -> _Value | None:
    """The variable ``name`` parsed; unset: ``demo_value`` in the demo, else None (required)."""
    raw = env_optional(name, environ)
    if raw is None:
        return demo_value if environment is Environment.DEMO else None
    try:
        return parse(raw)
    except ValueError as problem:
        raise SettingsError(f"{name}={problem}") from None


def _module_list(raw: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def check_api_endpoint(url: str) -> str | None:
    """An http(s) URL without credentials, or None when empty."""
    return refuse_credentials_in_url(url).rstrip("/") if url else None


def _ui_url(environ: Environ | None) -> str:
    url = env_str("ANALYTICS_UI_URL", "http://127.0.0.1:3000", environ).rstrip("/")
    try:
        # It is pasted into every failure notification: never a password in it.
        return refuse_credentials_in_url(url)
    except ValueError as problem:
        raise SettingsError(f"ANALYTICS_UI_URL: {problem}") from None


def _dataset_description(
    environ: Environ | None, readers: tuple[str, ...], writers: tuple[str, ...]
) -> str:
    description = env_parsed(
        "BIGQUERY_DATASET_DESCRIPTION", check_description, DEFAULT_DATASET_DESCRIPTION, environ
    )
    try:
        check_described_length(description, {*readers, *writers})
    except ValueError as problem:
        raise SettingsError(
            f"BIGQUERY_DATASET_DESCRIPTION, BIGQUERY_READER_GROUPS, BIGQUERY_WRITER_GROUPS: "
            f"{problem}"
        ) from None
    return description


def load_settings(environ: Environ | None = None) -> Settings:
    """Read the environment (``os.environ`` by default); SettingsError naming a bad variable."""
    readers = env_parsed("BIGQUERY_READER_GROUPS", parse_group_emails, environ=environ)
    writers_of = partial(parse_group_emails, taken=readers, taken_by="BIGQUERY_READER_GROUPS")
    writers = env_parsed("BIGQUERY_WRITER_GROUPS", writers_of, environ=environ)
    environment = _environment(environ)
    return Settings(
        environment=environment,
        first_date=_demo_defaulted(
            FIRST_DATE_VARIABLE, parse_first_date, DEMO_FIRST_DATE, environ, environment
        ),
        timezone=_demo_defaulted(
            TIMEZONE_VARIABLE, check_timezone, DEMO_TIMEZONE, environ, environment
        ),
        local_dir=Path(env_str("ANALYTICS_LOCAL_DIR", ".local", environ)).absolute(),
        bigquery_project=env_optional("BIGQUERY_PROJECT", environ),
        bigquery_api_endpoint=env_parsed(
            "BIGQUERY_API_ENDPOINT", check_api_endpoint, environ=environ
        ),
        bigquery_dataset=env_str("BIGQUERY_DATASET", "analytics", environ),
        bigquery_location=env_parsed("BIGQUERY_LOCATION", check_location, "EU", environ),
        extractor_modules=_module_list(env_str(EXTRACTOR_MODULES_VARIABLE, "", environ)),
        automation_running=env_bool("ANALYTICS_AUTOMATION_RUNNING", True, environ),
        daily_hour=env_bounded("ANALYTICS_DAILY_HOUR", 0, 0, 23, environ),
        daily_minute=env_bounded("ANALYTICS_DAILY_MINUTE", 15, 0, 59, environ),
        lookback_days=env_bounded(
            "ANALYTICS_LOOKBACK_DAYS", LOOKBACK_DAYS, 1, MAX_LOOKBACK_DAYS, environ
        ),
        fresh_by_hour=env_bounded("ANALYTICS_FRESH_BY_HOUR", 6, 1, 23, environ),
        catch_up_chunk_days=env_bounded(
            "ANALYTICS_CATCH_UP_CHUNK_DAYS", CATCH_UP_CHUNK_DAYS, 1, MAX_PARTITIONS_PER_JOB, environ
        ),
        catch_up_interval_seconds=env_bounded(
            "ANALYTICS_CATCH_UP_INTERVAL_SECONDS", 120, 30, 86_400, environ
        ),
        retry_failed_after_minutes=env_bounded(
            "ANALYTICS_RETRY_FAILED_AFTER_MINUTES", 30, 0, 7 * 24 * 60, environ
        ),
        extract_retries=env_bounded("ANALYTICS_EXTRACT_RETRIES", 2, 0, 10, environ),
        extract_retry_delay_seconds=env_float(
            "ANALYTICS_EXTRACT_RETRY_DELAY_SECONDS", 20.0, environ
        ),
        failure_webhook_url=env_optional("ANALYTICS_FAILURE_WEBHOOK_URL", environ),
        ui_url=_ui_url(environ),
        bigquery_dataset_description=_dataset_description(environ, readers, writers),
        bigquery_dataset_labels=env_parsed(
            "BIGQUERY_DATASET_LABELS", parse_labels, environ=environ
        ),
        bigquery_reader_groups=readers,
        bigquery_writer_groups=writers,
        bigquery_maximum_bytes_billed=env_parsed(
            "BIGQUERY_MAXIMUM_BYTES_BILLED", parse_maximum_bytes_billed, environ=environ
        ),
    )
