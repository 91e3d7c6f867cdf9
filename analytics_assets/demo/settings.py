"""Django settings of the embedded demo project: the shop app on SQLite in ANALYTICS_LOCAL_DIR.

Set ANALYTICS_DEMO_DATABASE_URL (e.g. ``postgres://user:pass@host:5432/demo``) to use another
database instead.
"""

from __future__ import annotations

from typing import Any

import dj_database_url

from analytics_assets.demo.config import load_demo_settings
from analytics_assets.settings import DEMO_TIMEZONE, load_settings

_settings = load_settings()
_demo = load_demo_settings()

# Demo only: this project signs nothing and holds only generated data.
SECRET_KEY = "demo-only-not-secret-analytics-assets"

# The support desk's JSON API (analytics_assets.demo.api), served on 127.0.0.1 only.
ROOT_URLCONF = "analytics_assets.demo.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
DEMO_API_TOKEN = _demo.api_token

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "analytics_assets.demo.shop",
]

USE_TZ = True
TIME_ZONE = _settings.timezone or DEMO_TIMEZONE

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def _default_database() -> dict[str, Any]:
    if _demo.database_url:
        return dict(dj_database_url.parse(_demo.database_url))
    path = _demo.sqlite_path
    path.parent.mkdir(parents=True, exist_ok=True)
    # Wait for a concurrent writer (another run's step) instead of failing at once.
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path), "OPTIONS": {"timeout": 30}}


DATABASES = {"default": _default_database()}
