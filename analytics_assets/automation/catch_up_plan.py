"""Planning a catch-up: which days of which assets to (re)build, in which chunks. No Dagster calls.

From every partition's status it plans:

* **missing** days (never materialized): contiguous ranges cut into chunks of at most
  ``chunk_days``; each chunk is one run writing each asset's range in one step (Dagster's
  single-run backfill policy), so a bad day fails its chunk, never years of history;
* **failed** days: retried by bisection, each contiguous failed range in quarters (at
  least one day), so the good days of a failed chunk land on the next tick and a bad day
  ends up alone; a failed day is retried at most once per ``retry_failed_after``;
* days that failed on a **configuration** error: held back while the code that failed is
  still loaded, then retried once in whole chunks (``reloaded``), never bisected;
* days **in progress** (a run queued or running) or targeted by a backfill that has not
  finished are left alone, so no second run is ever requested for them.

Assets with the same chunk go in the same run, so the extractors and their delta
views are written together, each view after its table (a view's days are planned with
its table's, never before them).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import dagster as dg

Status = dg.AssetPartitionStatus


class Reason(StrEnum):
    MISSING = "missing"
    RETRY = "retry"
    #: failed on a configuration error, retried whole after the code location was reloaded
    RELOADED = "retry_after_reload"
    #: the checks alone, over an asset's history written by long runs without them
    CHECKS = "checks"


@dataclass(frozen=True)
class CatchUpChunk:
    """One run to request: the days ``first..last`` of ``assets``."""

    first: str
    last: str
    assets: tuple[dg.AssetKey, ...]
    reason: Reason

    def describe(self) -> str:
        names = ", ".join(key.to_user_string() for key in self.assets)
        return f"{self.reason.value} {self.first}..{self.last} of {names}"


def chunked(days: list[str], size: int) -> list[list[str]]:
    return [days[start : start + size] for start in range(0, len(days), size)]


def _needs(status: Status | None) -> bool:
    return status is None or status == Status.FAILED


def _day_request(
    day: str,
    family: Sequence[dg.AssetKey],
    statuses: Mapping[dg.AssetKey, Mapping[str, Status | None]],
    busy: Mapping[dg.AssetKey, set[str]],
    blocked: Mapping[dg.AssetKey, set[str]],
    reloaded: Mapping[dg.AssetKey, set[str]],
) -> tuple[tuple[dg.AssetKey, ...], Reason] | None:
    """Which members of ``family`` to (re)build on ``day``, and why; None for nothing."""
    if any(day in busy.get(key, set()) for key in family):
        return None
    status = {key: statuses.get(key, {}).get(day) for key in family}
    failed = [key for key in family if status[key] == Status.FAILED]
    if any(day in blocked.get(key, set()) for key in failed):
        return None
    members = tuple(key for key in family if _needs(status[key]))
    if not members:
        return None
    if not failed:
        return members, Reason.MISSING
    whole = all(day in reloaded.get(key, set()) for key in failed)
    return members, Reason.RELOADED if whole else Reason.RETRY


def plan_catch_up(
    all_keys: Sequence[str],
    families: Sequence[Sequence[dg.AssetKey]],
    statuses: Mapping[dg.AssetKey, Mapping[str, Status | None]],
    busy: Mapping[dg.AssetKey, set[str]],
    *,
    chunk_days: int,
    retry_blocked: Mapping[dg.AssetKey, set[str]] | None = None,
    retry_whole: Mapping[dg.AssetKey, set[str]] | None = None,
) -> list[CatchUpChunk]:
    """The runs that bring every asset to "every day materialized", oldest first.

    ``families``: an extract asset first, then the assets built from it (its delta view);
    a family's days are planned together so a view is never built before its table.
    ``busy``: days in progress or targeted by an unfinished backfill, per asset; the whole
    family is left alone on those days. ``retry_blocked``: failed days not to retry now
    (retried too recently, or held back after a configuration error). ``retry_whole``:
    failed days to retry in whole chunks rather than quarters.
    """
    blocked = retry_blocked or {}
    reloaded = retry_whole or {}
    chunks: list[CatchUpChunk] = []
    for family in families:
        run: list[str] = []
        run_request: tuple[tuple[dg.AssetKey, ...], Reason] | None = None
        for day in [*all_keys, None]:
            request = _day_request(day, family, statuses, busy, blocked, reloaded) if day else None
            if request != run_request or request is None:
                if run_request is not None:
                    members, reason = run_request
                    size = chunk_days if reason != Reason.RETRY else math.ceil(len(run) / 4)
                    chunks += [
                        CatchUpChunk(days[0], days[-1], members, reason)
                        for days in chunked(run, max(1, size))
                    ]
                run, run_request = [], request
            if request is not None:
                run.append(day)  # type: ignore[arg-type]
    return _merge_same_days(chunks)


def _merge_same_days(chunks: Sequence[CatchUpChunk]) -> list[CatchUpChunk]:
    """One run per (days, reason): fewer runs, each asset still its own step."""
    merged: dict[tuple[str, str, Reason], list[dg.AssetKey]] = defaultdict(list)
    for chunk in chunks:
        merged[(chunk.first, chunk.last, chunk.reason)] += chunk.assets
    return [
        CatchUpChunk(first, last, tuple(sorted(keys, key=lambda k: k.to_user_string())), reason)
        for (first, last, reason), keys in sorted(merged.items())
    ]
