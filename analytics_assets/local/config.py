"""Settings of the local emulator: which one to use, where it keeps its data, on which port."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from analytics_assets.environment_variables import Environ, env_int, env_optional

#: The project id the emulator serves; every local table id starts with it.
EMULATOR_PROJECT = "local-project"


@dataclass(frozen=True)
class EmulatorSettings:
    """``BIGQUERY_EMULATOR_URL``: an emulator already running (none: the embedded one on
    ``ANALYTICS_EMULATOR_PORT``, keeping its data under ``ANALYTICS_LOCAL_DIR/bigquery``)."""

    external_url: str | None
    port: int
    data_dir: Path

    @property
    def embedded(self) -> bool:
        return self.external_url is None


def load_emulator_settings(local_dir: Path, environ: Environ | None = None) -> EmulatorSettings:
    return EmulatorSettings(
        external_url=env_optional("BIGQUERY_EMULATOR_URL", environ),
        port=env_int("ANALYTICS_EMULATOR_PORT", 9050, environ),
        data_dir=local_dir / "bigquery",
    )
