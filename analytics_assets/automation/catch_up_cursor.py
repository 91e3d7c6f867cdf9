"""What the catch-up sensor remembers between ticks: when failed days were last retried, and
which runs that failed on a configuration error it holds back until the code is reloaded.

A day that failed on a configuration error (:mod:`.failed_runs`) is not retried while the
code location that saw the failure is still the one loaded: the same code would fail the
same way. Once the location is loaded anew (a deploy, *Reload* in the UI, a restarted code
server: a new :data:`LOAD_ID`), its days are retried once, as whole ranges.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

import dagster as dg

from analytics_assets.automation.failed_runs import FailedRun

#: This process's load of the code location (a new one after every reload or restart).
LOAD_ID = uuid.uuid4().hex
#: In ``held``: the run's days were let go (retried under a newer load), never held again.
RELEASED = "released"


@dataclass
class CatchUpCursor:
    """``retried``: "asset|day" -> ISO time it was last retried; ``held``: run id -> the
    load of the code location that first held the run's days back, or :data:`RELEASED`;
    ``unchecked``: assets written by long runs without their checks, whose history is
    checked once it is all materialized (:mod:`.catch_up_checks`)."""

    retried: dict[str, str] = field(default_factory=dict)
    held: dict[str, str] = field(default_factory=dict)
    unchecked: set[str] = field(default_factory=set)

    @classmethod
    def parse(cls, cursor: str | None) -> CatchUpCursor:
        try:
            loaded = json.loads(cursor) if cursor else {}
        except json.JSONDecodeError:
            return cls()
        if not isinstance(loaded, dict):
            return cls()
        if "retried" not in loaded and "held" not in loaded:  # the earlier, flat form
            return cls(retried={k: v for k, v in loaded.items() if isinstance(v, str)})
        return cls(
            dict(loaded.get("retried") or {}),
            dict(loaded.get("held") or {}),
            set(loaded.get("unchecked") or ()),
        )

    def dumps(self) -> str:
        return json.dumps(
            {"retried": self.retried, "held": self.held, "unchecked": sorted(self.unchecked)}
        )


DaysByAsset = dict[dg.AssetKey, set[str]]


def hold_or_release(
    cursor: CatchUpCursor,
    failed_on_configuration: Mapping[dg.AssetKey, Mapping[str, FailedRun]],
    load_id: str | None = None,
) -> tuple[DaysByAsset, DaysByAsset, list[FailedRun]]:
    """The days to hold back (their run failed under this load of the code), the days to
    retry whole (it failed under an earlier load), and the runs held. ``cursor.held`` is
    updated: a run seen for the first time is held under ``load_id``, one first held under
    another load is released, and runs holding no failed day any more are forgotten.
    ``load_id``: this process's (:data:`LOAD_ID`) unless given."""
    load_id = load_id or LOAD_ID
    held: DaysByAsset = {}
    released: DaysByAsset = {}
    runs: dict[str, FailedRun] = {}
    seen: dict[str, str] = {}
    for key, days in failed_on_configuration.items():
        for day, run in days.items():
            first_load = cursor.held.get(run.run_id, load_id)
            if first_load == load_id:
                held.setdefault(key, set()).add(day)
                runs[run.run_id] = run
                seen[run.run_id] = load_id
            else:
                released.setdefault(key, set()).add(day)
                seen[run.run_id] = RELEASED
    cursor.held = seen
    return held, released, list(runs.values())
