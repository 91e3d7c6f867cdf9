"""The local Dagster instance `analytics-assets dev` runs on, shipped with the package.

Its settings (``dagster.yaml`` beside this module, the same text as the repository's) hold
guarantees the location relies on: one writer per table (``concurrency.pools``), a cap on
the catch-up's runs, killed runs' slots freed (``run_monitoring``). In a folder without a
``dagster.yaml``, ``analytics-assets dev`` writes it to ``<local dir>/dagster/``, so every
file of the instance lives in that one ignorable folder; an instance of the user's own
(``DAGSTER_HOME``) is used as it is, with a warning for each guarantee it lacks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

INSTANCE_FILE = "dagster.yaml"
#: The packaged settings; their storage paths are under ``.local/dagster/``.
PACKAGED_INSTANCE = Path(__file__).with_name(INSTANCE_FILE)
_STORAGE = ".local/dagster/"
CATCH_UP_TAG = "analytics/catch_up"


def write_instance(local_dir: Path) -> Path:
    """``<local_dir>/dagster/dagster.yaml`` from the packaged settings, storage beside it;
    returns that folder (the instance's DAGSTER_HOME). Rewritten at every start, so it
    follows the installed version."""
    home = local_dir.absolute() / "dagster"
    home.mkdir(parents=True, exist_ok=True)
    text = PACKAGED_INSTANCE.read_text().replace(_STORAGE, f"{home}/")
    (home / INSTANCE_FILE).write_text(text)
    return home


def _get(settings: dict[str, Any], *path: str) -> Any:
    value: Any = settings
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def missing_guarantees(instance_yaml: Path) -> list[str]:
    """What ``instance_yaml`` lacks of the packaged instance's guarantees, each in a line."""
    settings = yaml.safe_load(instance_yaml.read_text()) if instance_yaml.is_file() else None
    settings = settings if isinstance(settings, dict) else {}
    missing = []
    if _get(settings, "concurrency", "pools", "default_limit") != 1:
        missing.append(
            "concurrency.pools.default_limit: 1 (one run at a time writes a table; without it "
            "two runs may replace the same day at once and one is aborted)"
        )
    limits = _get(settings, "concurrency", "runs", "tag_concurrency_limits") or []
    if not any(isinstance(limit, dict) and limit.get("key") == CATCH_UP_TAG for limit in limits):
        missing.append(
            f"concurrency.runs.tag_concurrency_limits for {CATCH_UP_TAG} (a long catch-up "
            "would take every run slot from the daily run)"
        )
    if not _get(settings, "run_monitoring", "enabled") or not _get(
        settings, "run_monitoring", "free_slots_after_run_end_seconds"
    ):
        missing.append(
            "run_monitoring with free_slots_after_run_end_seconds (a killed run would hold its "
            "table's slot for good)"
        )
    return missing
