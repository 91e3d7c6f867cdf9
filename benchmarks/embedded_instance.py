"""The embedded Dagster instance of the benchmark: the repository's dagster.yaml, storage moved.

``dagster dev`` (``analytics-assets dev``) runs on the repository's ``dagster.yaml`` with its
storage under ``.local/dagster``; the benchmark uses the same file with that storage moved
into a temporary directory, or, to measure what the event storage lever buys, with Dagster's
own ``storage: sqlite`` in place of the configured storages.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import yaml

REPO_YAML = Path(__file__).resolve().parent.parent / "dagster.yaml"
STORAGE_KEYS = ("storage", "run_storage", "event_log_storage", "schedule_storage")


def instance_yaml(home: Path, dagster_storage: bool = False) -> str:
    """The repository's dagster.yaml with its storage in ``home`` (Dagster's own if asked)."""
    text = REPO_YAML.read_text().replace(".local/dagster", str(home / "storage"))
    if not dagster_storage:
        return text
    config = yaml.safe_load(text)
    for key in STORAGE_KEYS:
        config.pop(key, None)
    config["storage"] = {"sqlite": {"base_dir": str(home / "storage" / "storage")}}
    return yaml.safe_dump(config)


@contextmanager
def embedded_instance(home: str, dagster_storage: bool = False) -> Iterator[dg.DagsterInstance]:
    """A persistent instance in ``home`` as ``dagster dev`` builds it from the repository."""
    (Path(home) / "dagster.yaml").write_text(instance_yaml(Path(home), dagster_storage))
    # entered as Dagster enters its own instances: it becomes the current one for the
    # definitions loaded meanwhile (e.g. by a bare dg.materialize), and is disposed after
    with dg.DagsterInstance.from_config(home) as instance:
        yield instance
