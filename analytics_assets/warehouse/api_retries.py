"""How long a BigQuery API call is retried, and the error when the warehouse does not answer.

google-cloud-bigquery retries a call that gets no answer, a 429 or a 5xx for up to 600 s
(and a query job's polling as long again): right for Google's BigQuery, whose outages
are transient and remote. An emulator on this machine that refuses connections or hangs
is not coming back within a call's retries (`analytics-assets dev` restarts the embedded
one within seconds, for the run's next attempt), so with an emulator a run's first call
probes it (:func:`probe_emulator`: any answer within :data:`EMULATOR_PROBE_SECONDS`), each
call gives up after :data:`EMULATOR_RETRY_SECONDS`, and the run fails with
:class:`WarehouseUnreachableError` saying what to do, in seconds instead of about ten
minutes. Nothing is written by a failed call: the days keep their previous contents
(:mod:`.day_replace`).
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
#: With an emulator, how long a run's first call waits for any answer: a stopped or hung
#: emulator (which accepts connections and never answers) fails the run in seconds.
EMULATOR_PROBE_SECONDS = 3.0


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


_NO_ANSWER = (requests.ConnectionError, requests.Timeout, ConnectionError)


def _unreachable(endpoint: str, detail: str) -> WarehouseUnreachableError:
    return WarehouseUnreachableError(
        f"the BigQuery emulator at {endpoint} does not answer ({detail}); is it running? "
        "`analytics-assets dev` restarts a stopped or hung embedded emulator within seconds "
        "(the run's retry then finds it); otherwise start it with `analytics-assets emulator "
        "start`, or check BIGQUERY_EMULATOR_URL. Nothing was written: the days keep their "
        "previous contents"
    )


def probe_emulator(endpoint: str, project: str) -> None:
    """Raise :class:`WarehouseUnreachableError` unless the emulator at ``endpoint`` answers
    a request (any status) within :data:`EMULATOR_PROBE_SECONDS`."""
    try:
        requests.get(
            f"{endpoint.rstrip('/')}/bigquery/v2/projects/{project}/datasets",
            params={"maxResults": 1},
            timeout=EMULATOR_PROBE_SECONDS,
        )
    except _NO_ANSWER as error:
        detail = f"{type(error).__name__}, nothing within {EMULATOR_PROBE_SECONDS:g} s"
        raise _unreachable(endpoint, detail) from error


@contextmanager
def explain_unreachable(endpoint: str | None) -> Iterator[None]:
    """Turn "gave up connecting" to an emulator, or waiting for it, into an error saying
    what to do."""
    try:
        yield
    except (RetryError, *_NO_ANSWER) as error:
        cause = error.cause if isinstance(error, RetryError) else error
        if endpoint is None or not isinstance(cause, _NO_ANSWER):
            raise
        detail = f"{type(cause).__name__}, retried up to {EMULATOR_RETRY_SECONDS:g} s"
        raise _unreachable(endpoint, detail) from error
