"""When an HTTP API call is retried, how long it waits, and the errors it ends with.

Connection errors, timeouts, resets, 429 and 5xx are retried with exponential backoff and
jitter; a ``Retry-After`` header (seconds or an HTTP date) is honoured as the minimum wait.
Retrying stops after ``max_attempts`` or before the next wait would pass
``give_up_after_seconds``, with one error naming the URL (never a secret), the last status
or error, and the attempts made. Other statuses (400, 401, 404…) fail at once. The retries
themselves are tenacity's.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import tenacity

from analytics_assets.sources.kind import GaveUpRetrying

if TYPE_CHECKING:
    import httpx

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    give_up_after_seconds: float = 300.0
    #: First backoff; doubles with each attempt, with ±50 % jitter, up to ``max_backoff_seconds``.
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 60.0

    def backoff(self, attempt: int) -> float:
        """The wait after failed attempt number ``attempt`` (1-based), without Retry-After."""
        exponential = min(self.max_backoff_seconds, self.backoff_seconds * 2 ** (attempt - 1))
        return exponential * random.uniform(0.5, 1.5)


class HttpApiError(RuntimeError):
    """An HTTP API answered something the extractor cannot use; not worth retrying."""


class HttpApiGaveUp(GaveUpRetrying):
    """An HTTP API kept failing in a retryable way until the retry budget ran out."""


class RetryableStatus(Exception):
    """A 429 or 5xx answer: worth another attempt, after ``retry_after`` seconds if given."""

    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        self.reason = response.reason_phrase
        self.retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        super().__init__(f"{self.status} {self.reason}")


def is_retryable_status(status: int) -> bool:
    return status == 429 or status >= 500


def retry_after_seconds(header: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delay-seconds or an HTTP date."""
    if header is None or not header.strip():
        return None
    text = header.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


def _is_retryable(error: BaseException) -> bool:
    import httpx  # imported on first use: the code location loads without it

    return isinstance(error, RetryableStatus | httpx.TransportError)


def _describe(error: BaseException | None) -> str:
    if isinstance(error, RetryableStatus):
        return str(error)
    if error is None:
        return "no answer"
    detail = str(error)
    return f"{type(error).__name__}: {detail}" if detail else type(error).__name__


def _wait(policy: RetryPolicy) -> Callable[[tenacity.RetryCallState], float]:
    def wait(state: tenacity.RetryCallState) -> float:
        backoff = policy.backoff(state.attempt_number)
        error = state.outcome.exception() if state.outcome is not None else None
        if isinstance(error, RetryableStatus) and error.retry_after is not None:
            # A minimum: an API asking for less than the backoff (even 0) still gets the backoff.
            return max(error.retry_after, backoff)
        return backoff

    return wait


def call_with_retries(
    attempt: Callable[[], T],
    *,
    what: str,
    policy: RetryPolicy,
    on_retry: Callable[[str], None],
) -> T:
    """Run ``attempt`` until it succeeds, fails for good, or the retry budget runs out.

    ``what`` names the call in messages (e.g. ``GET http://host/api/tickets/?page=2``).
    ``on_retry`` gets one line per retry (what failed, attempt n of m, the wait).
    """

    def before_sleep(state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        wait = state.upcoming_sleep
        honoured = (
            " (Retry-After)"
            if isinstance(error, RetryableStatus) and error.retry_after is not None
            else ""
        )
        on_retry(
            f"{what}: {_describe(error)}; attempt {state.attempt_number} of "
            f"{policy.max_attempts}, retrying in {wait:.1f} s{honoured}"
        )

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(_is_retryable),
        wait=_wait(policy),
        stop=tenacity.stop_after_attempt(policy.max_attempts)
        | tenacity.stop_before_delay(policy.give_up_after_seconds),
        before_sleep=before_sleep,
        sleep=tenacity.nap.sleep,
    )
    try:
        return retrying(attempt)
    except tenacity.RetryError as gave_up:
        state = gave_up.last_attempt
        error = state.exception()
        elapsed = retrying.statistics.get("delay_since_first_attempt", 0.0)
        raise HttpApiGaveUp(
            f"{what}: gave up after {state.attempt_number} attempts in {elapsed:.1f} s "
            f"(limits: {policy.max_attempts} attempts, {policy.give_up_after_seconds:g} s); "
            f"last: {_describe(error)}" + _retry_after_note(error)
        ) from error


def _retry_after_note(error: BaseException | None) -> str:
    if isinstance(error, RetryableStatus) and error.retry_after is not None:
        return f"; the API asked to wait {error.retry_after:g} s (Retry-After)"
    return ""
