"""The warehouse of the demo and local environments: the BigQuery emulator, started on first use.

The same :class:`~analytics_assets.warehouse.resource.BigQueryWarehouse` code as in
production, pointed at the emulator's REST endpoint: an external one
(``BIGQUERY_EMULATOR_URL``), or the embedded one, which the first client of a run starts
(detached, reused by later runs) if it is not answering yet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from analytics_assets.local.config import EMULATOR_PROJECT, EmulatorSettings
from analytics_assets.warehouse.resource import BigQueryWarehouse


class EmbeddedEmulatorWarehouse(BigQueryWarehouse):
    """BigQuery on the embedded emulator keeping its data in ``data_dir``, served on ``port``."""

    data_dir: str
    port: int = 9050

    @property
    def uses_emulator(self) -> bool:
        return True

    def endpoint(self) -> str | None:
        from analytics_assets.local.emulator import ensure_running

        return ensure_running(Path(self.data_dir), self.port, self.project)


def emulator_warehouse(emulator: EmulatorSettings, **dataset: Any) -> BigQueryWarehouse:
    """The warehouse on the external emulator if one is configured, else on the embedded one."""
    if emulator.external_url:
        return BigQueryWarehouse(
            project=EMULATOR_PROJECT, emulator_url=emulator.external_url, **dataset
        )
    return EmbeddedEmulatorWarehouse(
        project=EMULATOR_PROJECT, data_dir=str(emulator.data_dir), port=emulator.port, **dataset
    )
