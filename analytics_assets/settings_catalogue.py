"""The catalogue of every environment variable the package reads: its name, its default and
what it means, in one place.

The docs' Settings reference (docs/reference/settings.md) is rendered from it when the site
is built (docs/hooks/settings_reference.py), and a test holds it to the code: every variable
name the package reads is here and every one here is read, and each default is what
:func:`analytics_assets.settings.load_settings` and the other loaders give when it is unset.
Nothing reads its values: the settings modules stay the only readers of the environment.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CATALOGUE", "Variable", "reference_markdown", "variables"]


@dataclass(frozen=True)
class Variable:
    """One environment variable; ``default`` is the value it behaves as when unset, None
    when unset means something else (said in ``meaning``) or it is required."""

    name: str
    default: str | None
    meaning: str


V = Variable

#: The variables by theme, in the order the reference shows them.
CATALOGUE: dict[str, tuple[Variable, ...]] = {
    "Where it runs": (
        V("ANALYTICS_ENV", "demo", "`demo`, `local` or `production`: the world it runs in"),
        V(
            "ANALYTICS_EXTRACTOR_MODULES",
            None,
            "your extractor modules or packages, comma-separated (packages are searched "
            "recursively); required in `local` and `production`, the demo's in `demo`",
        ),
        V(
            "ANALYTICS_LOCAL_DIR",
            ".local",
            "local data: the emulator's, the demo database, the packaged Dagster instance",
        ),
    ),
    "Days and automation": (
        V(
            "ANALYTICS_FIRST_DATE",
            "2024-01-01",
            "first daily partition, `YYYY-MM-DD`; the default is the demo's: required elsewhere",
        ),
        V(
            "ANALYTICS_TIMEZONE",
            "Europe/Paris",
            "the IANA zone whose midnights bound the days; the default is the demo's: "
            "required elsewhere",
        ),
        V("ANALYTICS_AUTOMATION_RUNNING", "true", "the schedule and catch-up sensor run"),
        V("ANALYTICS_DAILY_HOUR", "0", "local hour of the daily run (0-23)"),
        V("ANALYTICS_DAILY_MINUTE", "15", "minute of the daily run (0-59)"),
        V(
            "ANALYTICS_LOOKBACK_DAYS",
            "3",
            "complete local days the daily run re-extracts in one run, ending yesterday (1-31; "
            "1: yesterday only); a day identical to what BigQuery holds is not rewritten",
        ),
        V(
            "ANALYTICS_FRESH_BY_HOUR",
            "6",
            "local hour (1-23) by which yesterday should be materialized; later, the check "
            "`latest_day_on_time` warns",
        ),
        V(
            "ANALYTICS_CATCH_UP_CHUNK_DAYS",
            "365",
            "days per catch-up run (1 to 4,000, BigQuery's partitions per job)",
        ),
        V("ANALYTICS_CATCH_UP_INTERVAL_SECONDS", "120", "catch-up sensor interval (30-86,400)"),
        V(
            "ANALYTICS_RETRY_FAILED_AFTER_MINUTES",
            "30",
            "a failed day is retried at most this often",
        ),
        V("ANALYTICS_EXTRACT_RETRIES", "2", "retries of transient errors within a run (0-10)"),
        V(
            "ANALYTICS_EXTRACT_RETRY_DELAY_SECONDS",
            "20.0",
            "first delay of those retries (exponential backoff with jitter)",
        ),
        V(
            "ANALYTICS_FAILURE_WEBHOOK_URL",
            None,
            "where failed runs are posted; unset: no message. A secret: only its host is logged",
        ),
        V(
            "ANALYTICS_UI_URL",
            "http://127.0.0.1:3000",
            "base of the run links in notifications (no credentials in it)",
        ),
    ),
    "BigQuery": (
        V(
            "BIGQUERY_PROJECT",
            None,
            "the Google Cloud project, e.g. `acme-analytics`: required in `production`, "
            "refused in `demo`",
        ),
        V("BIGQUERY_DATASET", "analytics", "dataset of the tables and views"),
        V(
            "BIGQUERY_LOCATION",
            "EU",
            "dataset location: `US`, `EU` or a region such as `europe-west1` (created there; "
            "a mismatch with an existing dataset is an error)",
        ),
        V(
            "BIGQUERY_MAXIMUM_BYTES_BILLED",
            None,
            "cost guard of every query job, in bytes, at least 10,485,760; unset: no limit",
        ),
        V(
            "BIGQUERY_DATASET_DESCRIPTION",
            "Daily analytics written by the analytics_assets code location.",
            "dataset description (at most 8,192 characters, 16,384 with the group record)",
        ),
        V(
            "BIGQUERY_DATASET_LABELS",
            None,
            "dataset labels, `key=value,key=value` (lowercase letters, digits, `_`, `-`; "
            "keys start with a letter; at most 63 characters each)",
        ),
        V(
            "BIGQUERY_READER_GROUPS",
            None,
            "group emails, comma-separated, given READER on the dataset",
        ),
        V(
            "BIGQUERY_WRITER_GROUPS",
            None,
            "group emails given WRITER (opt-in; a group has one role)",
        ),
        V(
            "BIGQUERY_API_ENDPOINT",
            None,
            "production's BigQuery REST endpoint when not Google's; one on `127.0.0.1` or "
            "`localhost` is an emulator and is sent no credentials (rehearsing production)",
        ),
        V(
            "BIGQUERY_EMULATOR_URL",
            None,
            "an emulator already running instead of the embedded one (`demo`, `local`)",
        ),
    ),
    "Credentials (production, looked up in this order)": (
        V("BIGQUERY_CREDENTIALS_JSON", None, "service-account key, raw JSON or base64"),
        V("BIGQUERY_CREDENTIALS_FILE", None, "path of a service-account key file"),
        V(
            "GOOGLE_APPLICATION_CREDENTIALS",
            None,
            "Google's name for a key file; none of the three: Application Default Credentials",
        ),
    ),
    "Sources": (
        V(
            "DJANGO_SETTINGS_MODULE",
            None,
            "your Django settings module: required if an extractor reads Django (the "
            "demo's in `demo`)",
        ),
        V(
            "ANALYTICS_DJANGO_PROJECT_DIR",
            None,
            "the folder of your `manage.py`, when your Django project is not an installed package",
        ),
        V(
            "ANALYTICS_<NAME>_URL",
            None,
            'root URL of the HTTP API source `http_api("<name>")`, no credentials in it; '
            "required outside the demo",
        ),
        V(
            "ANALYTICS_<NAME>_TOKEN",
            None,
            "its token, through `dg.EnvVar` (the UI shows the name, never the value); "
            "required outside the demo",
        ),
        V("ANALYTICS_<NAME>_MAX_REQUESTS_PER_SECOND", "10.0", "its rate limit, per run"),
        V("ANALYTICS_<NAME>_MAX_PAGES", "10000", "pages of one listing before it is stopped"),
    ),
    "Local stack and demo": (
        V("ANALYTICS_EMULATOR_PORT", "9050", "port of the embedded emulator"),
        V(
            "ANALYTICS_DEMO_DATABASE_URL",
            None,
            "demo database URL, e.g. `postgres://…`; unset: SQLite in `ANALYTICS_LOCAL_DIR`",
        ),
        V("ANALYTICS_DEMO_SCALE", "1.0", "volume of the generated demo history"),
        V(
            "ANALYTICS_SUPPORT_API_TOKEN",
            None,
            "token of the demo's support desk API; unset: the demo's own",
        ),
    ),
    "Dagster": (
        V(
            "DAGSTER_HOME",
            None,
            "the instance `analytics-assets dev` runs on; unset: the current folder if it "
            "holds a `dagster.yaml`, else `<ANALYTICS_LOCAL_DIR>/dagster`",
        ),
        V(
            "DAGSTER_EVENT_BATCH_SIZE",
            None,
            "Dagster stores a ranged run's events in batches of this size: `10000` under "
            "`analytics-assets dev`; set it where runs execute in production",
        ),
        V("DAGSTER_PG_HOST", None, "PostgreSQL (or PgBouncer) host of `deploy/dagster.yaml`"),
        V("DAGSTER_PG_PORT", None, "its port"),
        V("DAGSTER_PG_USER", None, "its user"),
        V("DAGSTER_PG_PASSWORD", None, "its password"),
        V("DAGSTER_PG_DB", None, "its database"),
    ),
}


def variables() -> list[Variable]:
    """Every catalogued variable, in the reference's order."""
    return [variable for group in CATALOGUE.values() for variable in group]


def reference_markdown() -> str:
    """The catalogue as Markdown, one table per theme (the body of the Settings reference)."""
    parts = []
    for theme, group in CATALOGUE.items():
        parts += [f"## {theme}", "", "| Variable | Default | Meaning |", "| --- | --- | --- |"]
        for variable in group:
            default = "unset" if variable.default is None else f"`{variable.default}`"
            parts.append(f"| `{variable.name}` | {default} | {variable.meaning} |")
        parts.append("")
    return "\n".join(parts)
