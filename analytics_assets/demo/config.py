"""Settings of the demo: where its database lives, how much history it holds, its API token."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from analytics_assets.environment_variables import Environ, env_float, env_optional
from analytics_assets.settings import load_settings

SUPPORT_API_TOKEN_ENV = "ANALYTICS_SUPPORT_API_TOKEN"
#: The token the demo API accepts when ANALYTICS_SUPPORT_API_TOKEN is not set (not a secret).
DEMO_SUPPORT_API_TOKEN = "demo-support-token"


@dataclass(frozen=True)
class DemoSettings:
    """``ANALYTICS_DEMO_DATABASE_URL`` (default: SQLite in ANALYTICS_LOCAL_DIR),
    ``ANALYTICS_DEMO_SCALE`` (volume of the generated history), the support API's token."""

    database_url: str | None
    scale: float
    sqlite_path: Path
    #: Kept out of ``repr``: the demo token is not secret, a token set in the environment is.
    support_api_token: str | None = field(default=None, repr=False)

    @property
    def api_token(self) -> str:
        return self.support_api_token or DEMO_SUPPORT_API_TOKEN


def load_demo_settings(environ: Environ | None = None) -> DemoSettings:
    local_dir = load_settings(environ).local_dir
    scale = env_float("ANALYTICS_DEMO_SCALE", 1.0, environ)
    return DemoSettings(
        database_url=env_optional("ANALYTICS_DEMO_DATABASE_URL", environ),
        scale=scale,
        sqlite_path=local_dir / "demo.sqlite3",
        support_api_token=env_optional(SUPPORT_API_TOKEN_ENV, environ),
    )
