"""Acme's Django settings: the shop on SQLite (ACME_DATABASE), its help desk API's token."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ.get("ACME_SECRET_KEY", "example-only-not-secret")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
INSTALLED_APPS = ["django.contrib.contenttypes", "acme_shop"]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "acme_site.urls"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("ACME_DATABASE", str(BASE_DIR / "acme.sqlite3")),
    }
}
USE_TZ = True
STATIC_URL = "static/"
TIME_ZONE = "Europe/Paris"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
#: The bearer token the shop's help desk API accepts.
HELPDESK_TOKEN = os.environ.get("ACME_HELPDESK_TOKEN", "acme-helpdesk-token")
