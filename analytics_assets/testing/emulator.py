"""The BigQuery emulator for tests: one started on a free port, warehouses and clients on it.

The emulator is this package's ``emulator`` extra (``pip install 'analytics-assets[emulator]'``).
Nothing of it is imported until an emulator is started, and a missing extra is one
:class:`EmulatorNotInstalledError` saying how to install it, not an import error from
deep inside a test run.
"""

from __future__ import annotations

import importlib.util
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analytics_assets.local.config import EMULATOR_PROJECT
from analytics_assets.warehouse.resource import BigQueryWarehouse

if TYPE_CHECKING:
    from google.cloud import bigquery

INSTALL_HINT = "pip install 'analytics-assets[emulator]'"
#: What the emulator process imports, as listed in the ``emulator`` extra.
_EMULATOR_MODULES = ("bqemulator", "numpy", "filelock")


class EmulatorNotInstalledError(RuntimeError):
    """The ``emulator`` extra is not installed, so no emulator can be started."""


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def require_emulator() -> None:
    """Raise :class:`EmulatorNotInstalledError` unless the emulator's packages are importable."""
    missing = [name for name in _EMULATOR_MODULES if not _importable(name)]
    if missing:
        raise EmulatorNotInstalledError(
            f"the BigQuery emulator needs {', '.join(missing)}, which this environment lacks: "
            f"install the emulator extra ({INSTALL_HINT})"
        )


@contextmanager
def running_emulator(directory: Path, project: str = EMULATOR_PROJECT) -> Iterator[str]:
    """An emulator keeping its data under ``directory``, on a free port of 127.0.0.1.

    Yields its URL (``http://127.0.0.1:PORT``); the emulator is stopped when the block ends.
    """
    require_emulator()
    from analytics_assets.local.emulator_process import EmbeddedEmulator
    from analytics_assets.local.network import free_port

    data_dir = Path(directory) / "bigquery"
    with EmbeddedEmulator.start(data_dir, free_port(), project, detached=False) as emulator:
        yield emulator.url


def throwaway_warehouse(emulator_url: str, **fields: Any) -> BigQueryWarehouse:
    """A warehouse on the emulator at ``emulator_url``, in a dataset no one else uses.

    The dataset (``test_`` and 10 random hex digits, location ``EU``) is created by the
    first run that writes to it, as in production; ``fields`` set any other field of
    :class:`~analytics_assets.warehouse.resource.BigQueryWarehouse` (``project``, dataset
    labels, reader groups, ...).
    """
    fields.setdefault("project", EMULATOR_PROJECT)
    fields.setdefault("dataset", f"test_{uuid.uuid4().hex[:10]}")
    fields.setdefault("location", "EU")
    return BigQueryWarehouse(emulator_url=emulator_url, **fields)


def emulator_client(url: str, project: str = EMULATOR_PROJECT) -> bigquery.Client:
    """A BigQuery client of the emulator at ``url``, without looking for Google credentials.

    ``BIGQUERY_EMULATOR_HOST`` alone is not enough: the client still calls
    ``google.auth.default()``, which fails on a machine without credentials.
    """
    from google.api_core.client_options import ClientOptions
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import bigquery

    return bigquery.Client(
        project=project,
        credentials=AnonymousCredentials(),  # type: ignore[arg-type]
        client_options=ClientOptions(api_endpoint=url),
    )
