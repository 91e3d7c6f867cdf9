"""Faults the demo API answers with on demand (429, 5xx, slow answers) and a journal of requests.

Tests and demos queue faults with ``POST /api/faults/``; each following API request takes
the next one: it waits ``delay_seconds`` (a client timeout), then answers ``status`` with an
optional ``Retry-After`` instead of its data. The journal records when each of the last
:data:`JOURNAL_SIZE` requests arrived and its headers, credentials left out, so a test can
measure the rate a client really sent at and what it sent.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

#: Requests kept in the journal: the newest, so a long-running demo API stays bounded.
JOURNAL_SIZE = 1_000
#: Headers never journaled: they carry credentials.
UNJOURNALED_HEADERS = frozenset({"HTTP_AUTHORIZATION", "HTTP_COOKIE", "HTTP_PROXY_AUTHORIZATION"})


@dataclass(frozen=True)
class Fault:
    status: int | None = None
    retry_after: str | None = None
    delay_seconds: float = 0.0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        status = data.get("status")
        if status is not None and not (isinstance(status, int) and 400 <= status <= 599):
            raise ValueError(f"status must be an HTTP error code (400-599), got {status!r}")
        delay = data.get("delay_seconds", 0.0)
        if not isinstance(delay, int | float) or not 0 <= delay <= 60:
            raise ValueError(f"delay_seconds must be a number from 0 to 60, got {delay!r}")
        retry_after = data.get("retry_after")
        return cls(status, None if retry_after is None else str(retry_after), float(delay))


class FaultQueue:
    """Faults waiting for the next requests, shared by the server's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: deque[Fault] = deque()

    def extend(self, faults: list[Fault]) -> None:
        with self._lock:
            self._faults.extend(faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def next_fault(self) -> Fault | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None


@dataclass(frozen=True)
class JournalEntry:
    arrived: float  # time.monotonic() when the request reached the view
    path: str
    headers: dict[str, str]


class RequestJournal:
    """The last :data:`JOURNAL_SIZE` API requests this process served, in arrival order."""

    def __init__(self, size: int = JOURNAL_SIZE) -> None:
        self._lock = threading.Lock()
        self._entries: deque[JournalEntry] = deque(maxlen=size)

    def record(self, path: str, headers: dict[str, str]) -> None:
        kept = {name: value for name, value in headers.items() if name not in UNJOURNALED_HEADERS}
        with self._lock:
            self._entries.append(JournalEntry(time.monotonic(), path, kept))

    def entries(self) -> list[JournalEntry]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


faults = FaultQueue()
journal = RequestJournal()
