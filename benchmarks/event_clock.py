"""Timing a Dagster instance's event storage: the seconds its store_event calls take in a run."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import dagster as dg


@dataclass
class EventStorageClock:
    """Wall time spent inside the instance's event log storage while a pipeline ran."""

    seconds: float = 0.0
    events: int = 0
    #: store_event/store_event_batch calls: fewer than events when batches are stored
    calls: int = 0
    #: Calls in progress: a batch a storage stores one event at a time is counted once.
    depth: int = 0


@contextmanager
def clocked_event_storage(instance: dg.DagsterInstance) -> Iterator[EventStorageClock]:
    """Time every ``store_event``/``store_event_batch`` of ``instance`` (the runs' own events)."""
    storage = instance.event_log_storage
    clock = EventStorageClock()

    def clocked(
        method: Callable[[Any], None], count: Callable[[Any], int]
    ) -> Callable[[Any], None]:
        def store(events: Any) -> None:
            started = time.perf_counter()
            clock.depth += 1
            try:
                method(events)
            finally:
                clock.depth -= 1
                if not clock.depth:
                    clock.seconds += time.perf_counter() - started
                    clock.events += count(events)
                    clock.calls += 1

        return store

    originals = {name: getattr(storage, name) for name in ("store_event", "store_event_batch")}
    storage.store_event = clocked(originals["store_event"], lambda _: 1)  # type: ignore[method-assign]
    storage.store_event_batch = clocked(originals["store_event_batch"], len)  # type: ignore[method-assign]
    try:
        yield clock
    finally:
        for name in originals:
            delattr(storage, name)  # back to the class's methods
