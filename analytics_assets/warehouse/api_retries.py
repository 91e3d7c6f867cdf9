"""How long a BigQuery API call is retried, and the error when the warehouse does not answer.

google-cloud-bigquery retries a call that gets no answer, a 429 or a 5xx for up to 600 s
(and a query job's polling as long again): right for Google's BigQuery, whose outages
are transient and remote. An emulator on this machine that refuses connections is not
coming back by itself (the embedded one is restarted by the next run, not during this
one), so with an emulator each call gives up after :data:`EMULATOR_RETRY_SECONDS` and
the run fails with :class:`WarehouseUnreachableError` saying what to do, within about a
minute instead of about ten. Nothing is written by a failed call: the days keep their
previous contents (:mod:`.day_replace`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import requests  # google-cloud-bigquery's own transport
from google.api_core.exceptions import RetryError
from google.api_core.retry import Retry
from google.cloud import bigquery
from google.cloud.bigquery.retry import DEFAULT_JOB_RETRY

#: With an emulator, how long one API call (or a job's polling) is retried.
EMULATOR_RETRY_SECONDS = 20.0


class WarehouseUnreachableError(RuntimeError):
    """The warehouse did not answer for as long as its calls are retried."""


@dataclass(frozen=True)
class Retries:
    """The retry of every API call (``api``), of a failed query job (``job``), and the
    retries of a file upload (``uploads``: six by default, a minute on a dead endpoint)."""

    api: Retry = bigquery.DEFAULT_RETRY
    job: Retry = DEFAULT_JOB_RETRY
    uploads: int = 6

    @classmethod
    def for_endpoint(cls, emulator: bool) -> Retries:
        if not emulator:
            return cls()
        return cls(
            bigquery.DEFAULT_RETRY.with_timeout(EMULATOR_RETRY_SECONDS),
            DEFAULT_JOB_RETRY.with_timeout(EMULATOR_RETRY_SECONDS),
            uploads=1,
        )


@contextmanager
def explain_unreachable(endpoint: str | None) -> Iterator[None]:
    """Turn "gave up connecting" to an emulator into an error saying what to do."""
    try:
        yield
    except (RetryError, requests.ConnectionError) as error:
        cause = error.cause if isinstance(error, RetryError) else error
        if endpoint is None or not isinstance(cause, requests.ConnectionError | ConnectionError):
            raise
        raise WarehouseUnreachableError(
            f"the BigQuery emulator at {endpoint} does not answer ({type(cause).__name__}, "
            f"retried up to {EMULATOR_RETRY_SECONDS:g} s); is it running? Start it with "
            "`analytics-assets emulator start` (or `analytics-assets dev`), or check "
            "BIGQUERY_EMULATOR_URL. Nothing was written: the days keep their previous contents"
        ) from error
