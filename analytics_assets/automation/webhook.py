"""Delivering a failure message to a webhook: bounded retries, and the URL never in a log.

The webhook URL is a secret (its path is the credential): only its host is ever logged,
in our messages and in httpx's own request log.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

# A run-status sensor handles up to 5 failed runs per tick (DAGSTER_RUN_STATUS_SENSOR_PROCESS_LIMIT)
# and a tick must end within 60 s (DAGSTER_SENSOR_GRPC_TIMEOUT_SECONDS). A timed-out tick keeps its
# cursor, so every later tick would time out on the same runs: these defaults bound one run's
# delivery to 3 x 3 s + 0.5 s + 1 s, five of them to about 53 s.
DEFAULT_ATTEMPTS = 3
DEFAULT_TIMEOUT_SECONDS = 3.0
DEFAULT_RETRY_DELAY_SECONDS = 0.5


def webhook_host(url: str) -> str:
    """What may be logged of a webhook URL: its host (the path is the credential)."""
    import httpx  # imported on first use: the code location loads without it

    try:
        return httpx.URL(url).host or "<no host>"
    except Exception:
        return "<invalid URL>"


class _RedactUrls(logging.Filter):
    """httpx logs every request's full URL at INFO: replace webhook URLs there by their host."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[str, str] = {}

    def add(self, url: str) -> None:
        import httpx

        host = webhook_host(url)
        self.secrets[url] = host
        with contextlib.suppress(Exception):  # not a URL httpx can parse: nothing to normalize
            self.secrets[str(httpx.URL(url))] = host

    def _redact(self, value: object) -> object:
        text = str(value)
        changed = False
        for secret, host in self.secrets.items():
            if secret in text:
                text = text.replace(secret, f"<webhook on {host}>")
                changed = True
        return text if changed else value

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets and isinstance(record.args, tuple):
            record.args = tuple(self._redact(arg) for arg in record.args)
        if self.secrets and isinstance(record.msg, str):
            record.msg = str(self._redact(record.msg))
        return True


_REDACT_URLS = _RedactUrls()


def _hide_from_httpx_logs(url: str) -> None:
    _REDACT_URLS.add(url)
    httpx_logger = logging.getLogger("httpx")
    if _REDACT_URLS not in httpx_logger.filters:
        httpx_logger.addFilter(_REDACT_URLS)


def send_notification(
    url: str,
    payload: Mapping[str, Any],
    log: logging.Logger,
    *,
    attempts: int = DEFAULT_ATTEMPTS,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    retry_delay_seconds: float = DEFAULT_RETRY_DELAY_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """POST ``payload`` to ``url``; True when delivered (2xx).

    Connection errors, timeouts and 5xx answers are retried, with doubling delays, up to
    ``attempts`` times in all; other answers are final. Never raises: giving up logs a
    warning with the payload's text, naming only the webhook's host.
    """
    import httpx

    host = webhook_host(url)
    _hide_from_httpx_logs(url)
    made, problem = 0, "no attempt made"
    try:
        with httpx.Client(timeout=timeout_seconds, follow_redirects=False) as client:
            while made < attempts:
                made += 1
                retryable = True
                try:
                    response = client.post(url, json=dict(payload))
                except httpx.UnsupportedProtocol:
                    problem, retryable = "the URL is not http(s)", False
                except httpx.TransportError as error:
                    problem = f"{type(error).__name__}: {_redacted(str(error), url, host)}"
                else:
                    if response.is_success:
                        return True
                    problem = f"HTTP {response.status_code}"
                    retryable = response.status_code >= 500
                if not retryable or made == attempts:
                    break
                sleep(retry_delay_seconds * 2 ** (made - 1))
    except Exception as error:  # an invalid URL, or anything else httpx raises: still no raise
        problem = f"{type(error).__name__}: {_redacted(str(error), url, host)}"
    log.warning(
        f"failure notification not delivered to the webhook on {host} "
        f"(gave up after {made} attempt(s), last: {problem}); message was: {payload.get('text')}"
    )
    return False


def _redacted(text: str, url: str, host: str) -> str:
    return text.replace(url, f"<webhook on {host}>")
