"""The attribute groups of ``ExtractorsComponent``'s YAML: warehouse, schedule, catch-up,
retries and notifications, each validated as the matching settings are (same checks, same
limits), so a bad value fails ``dg check defs`` naming the attribute."""

from __future__ import annotations

import dagster as dg
from pydantic import Field, field_validator, model_validator

from analytics_assets.settings import (
    CATCH_UP_CHUNK_DAYS,
    LOOKBACK_DAYS,
    MAX_LOOKBACK_DAYS,
    check_api_endpoint,
)
from analytics_assets.warehouse.dataset_governance import (
    DEFAULT_DATASET_DESCRIPTION,
    check_described_length,
    check_description,
    parse_group_emails,
    parse_labels,
)
from analytics_assets.warehouse.limits import MAX_PARTITIONS_PER_JOB, check_location


class WarehouseAttributes(dg.Resolvable, dg.Model):
    """Where the tables go: a BigQuery project and dataset (an emulator in ``local``)."""

    project: str | None = Field(
        default=None, description="Google Cloud project (production), e.g. acme-analytics."
    )
    dataset: str = Field(default="analytics", description="The dataset of every table.")
    location: str = Field(default="EU", description="The dataset's BigQuery location.")
    emulator_url: str | None = Field(
        default=None,
        description="local: an emulator already running (default: BIGQUERY_EMULATOR_URL); "
        "none: the embedded one, started on first use.",
    )
    api_endpoint: str | None = Field(
        default=None,
        description="production: BigQuery's REST endpoint when not Google's (a private one; an "
        "emulator on this machine to rehearse production, sent no credentials).",
    )
    emulator_port: int | None = Field(
        default=None,
        description="local: the embedded emulator's port (default: ANALYTICS_EMULATOR_PORT "
        "or 9050, as analytics-assets dev uses).",
    )
    maximum_bytes_billed: int | None = Field(
        default=None, description="Cost guard of every query job, at least 10,485,760 bytes."
    )
    description: str = DEFAULT_DATASET_DESCRIPTION
    labels: dict[str, str] = Field(default_factory=dict)
    reader_groups: list[str] = Field(default_factory=list)
    writer_groups: list[str] = Field(default_factory=list)

    @field_validator("project", "emulator_url", "api_endpoint")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        # "{{ env('BIGQUERY_PROJECT', '') }}" renders "" where the variable is unset
        return (value or "").strip() or None

    @field_validator("api_endpoint")
    @classmethod
    def _an_endpoint(cls, value: str | None) -> str | None:
        return check_api_endpoint(value or "")

    @field_validator("location")
    @classmethod
    def _known_location(cls, location: str) -> str:
        return check_location(location)

    @field_validator("description")
    @classmethod
    def _keepable_description(cls, description: str) -> str:
        return check_description(description)

    @field_validator("labels")
    @classmethod
    def _valid_labels(cls, labels: dict[str, str]) -> dict[str, str]:
        return parse_labels(",".join(f"{key}={value}" for key, value in labels.items()))

    @field_validator("reader_groups", "writer_groups")
    @classmethod
    def _group_emails(cls, groups: list[str]) -> list[str]:
        return list(parse_group_emails(",".join(groups)))

    @model_validator(mode="after")
    def _one_role_per_group(self) -> WarehouseAttributes:
        parse_group_emails(",".join(self.writer_groups), self.reader_groups, "reader_groups")
        check_described_length(self.description, [*self.reader_groups, *self.writer_groups])
        return self


class ScheduleAttributes(dg.Resolvable, dg.Model):
    """The daily run of the day that has just ended, and when it counts as late."""

    hour: int = Field(default=0, ge=0, le=23)
    minute: int = Field(default=15, ge=0, le=59)
    lookback_days: int = Field(
        default=LOOKBACK_DAYS,
        ge=1,
        le=MAX_LOOKBACK_DAYS,
        description="Complete local days the daily run re-extracts, ending yesterday (1: "
        "yesterday only); a day whose rows did not change is not rewritten.",
    )
    fresh_by_hour: int = Field(
        default=6,
        ge=1,
        le=23,
        description="Local hour by which yesterday should be materialized; later, each "
        "extractor's check latest_day_on_time warns.",
    )
    running: bool = Field(default=True, description="Schedule and sensors on by default.")


class CatchUpAttributes(dg.Resolvable, dg.Model):
    """The catch-up sensor: every missing or failed day since ``first_date``."""

    chunk_days: int = Field(default=CATCH_UP_CHUNK_DAYS, ge=1, le=MAX_PARTITIONS_PER_JOB)
    interval_seconds: int = Field(default=120, ge=30, le=86_400)
    retry_failed_after_minutes: int = Field(default=30, ge=0, le=7 * 24 * 60)


class RetryAttributes(dg.Resolvable, dg.Model):
    """Retries of an extractor step after a transient failure (connection, 429/5xx)."""

    attempts: int = Field(default=2, ge=0, le=10)
    delay_seconds: float = Field(default=20.0, ge=0)


class NotificationAttributes(dg.Resolvable, dg.Model):
    """Failed runs of this instance posted to a webhook."""

    webhook_url_env: str | None = Field(
        default=None, description="The variable holding the webhook URL (a secret)."
    )
    ui_url: str = Field(default="http://127.0.0.1:3000", description="Base of run links.")
