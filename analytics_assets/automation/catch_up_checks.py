"""The data checks of the catch-up's runs: with their days in a short run, once after a long one.

A run of up to :data:`PER_DAY_CHECKS_UP_TO_DAYS` days (a retried quarter, a month) carries
its assets' checks, which evaluate each of its days, as the daily run does. A run of more
days (the catch-up's year-long runs over history) carries none: per-day evaluations of
years of history were half of the events such a run stores, and the most expensive ones on
dagster-postgres' storage (measured: a 1-year catch-up 2.19x the raw floor with them, 1.29x
without; the 3-year catch-up with its history checked once after, 1.29x: docs/performance.md).
Its assets are remembered instead, and once every day of such an asset is materialized
(no day missing, failed or in progress), one run of its checks alone checks its whole
history: a summary evaluation, and an evaluation for each failing day (see
:mod:`analytics_assets.assembly.checks`). History days then show no per-day check status
but a failing one; days written by the daily run or a short run show theirs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

import dagster as dg

from analytics_assets.automation.catch_up_plan import CatchUpChunk, Status

#: Runs of up to this many days (a day, a month, a retried quarter) evaluate each day.
PER_DAY_CHECKS_UP_TO_DAYS = 31
CHECKED_DAYS_TAG = "analytics/checked_days"


def chunk_days(chunk: CatchUpChunk) -> int:
    first, last = dt.date.fromisoformat(chunk.first), dt.date.fromisoformat(chunk.last)
    return (last - first).days + 1


def checks_of_chunk(
    chunk: CatchUpChunk, check_keys: Sequence[dg.AssetCheckKey]
) -> list[dg.AssetCheckKey]:
    """The checks a run of ``chunk`` carries: its assets' in a short run, none in a long one."""
    if chunk_days(chunk) > PER_DAY_CHECKS_UP_TO_DAYS:
        return []
    return [key for key in check_keys if key.asset_key in chunk.assets]


def unchecked_assets(chunk: CatchUpChunk, check_keys: Sequence[dg.AssetCheckKey]) -> set[str]:
    """The assets of ``chunk`` with checks it does not carry (their history is checked later)."""
    if chunk_days(chunk) <= PER_DAY_CHECKS_UP_TO_DAYS:
        return set()
    checked = {key.asset_key for key in check_keys}
    return {key.to_user_string() for key in chunk.assets if key in checked}


def history_checks(
    unchecked: Iterable[str],
    statuses: Mapping[dg.AssetKey, Mapping[str, Status | None]],
    all_days: Sequence[str],
    check_keys: Sequence[dg.AssetCheckKey],
    tags: Mapping[str, str],
) -> tuple[list[dg.RunRequest], set[str]]:
    """A run of the checks alone (tagged ``tags``) for each unchecked asset whose every day
    is materialized, and the assets still waiting for theirs."""
    requests, waiting = [], set()
    for asset in sorted(unchecked):
        key = dg.AssetKey.from_user_string(asset)
        by_day = statuses.get(key, {})
        if not all_days or not all(by_day.get(day) == Status.MATERIALIZED for day in all_days):
            waiting.add(asset)
            continue
        requests.append(
            dg.RunRequest(
                asset_selection=[],
                asset_check_keys=[check for check in check_keys if check.asset_key == key],
                tags={**tags, CHECKED_DAYS_TAG: f"{all_days[0]}..{all_days[-1]}"},
            )
        )
    return requests, waiting
