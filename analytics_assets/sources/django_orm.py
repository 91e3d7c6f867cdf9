"""Configure Django once per process and expose its ORM to Dagster as the ``DjangoORM`` resource.

Extractors import their models lazily, inside ``extract``, so loading the definitions never
needs Django; the resource sets Django up in each run or step process before they execute.
Only the synchronous ORM is supported: keep ORM-reading assets synchronous.

The team's Django project must be importable wherever the code location loads (the code
server, every run worker, the dry run): installed in the environment, or found in the
source's ``project_dir`` (the folder of its ``manage.py``), which is put on the import path
when the location loads, in every one of those processes. The settings module is looked
up when the location loads, so a project that is not importable fails ``dagster
definitions validate`` and ``dg check defs`` naming it, not every run later.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import threading
from pathlib import Path

import dagster as dg
from pydantic import BaseModel, ConfigDict, Field

from analytics_assets.environment_variables import RequiredVariables, SettingsError, env_optional
from analytics_assets.extract.source import DJANGO_KIND
from analytics_assets.sources.kind import SourceKind

SETTINGS_ENV = "DJANGO_SETTINGS_MODULE"
PROJECT_DIR_ENV = "ANALYTICS_DJANGO_PROJECT_DIR"

_setup_lock = threading.Lock()
_configured_module: str | None = None


class DjangoConfigurationError(RuntimeError):
    """Django cannot be set up with the requested settings module in this process."""


def configure_django(settings_module: str) -> None:
    """Point DJANGO_SETTINGS_MODULE at ``settings_module`` and run ``django.setup()`` once.

    Idempotent and thread-safe. A process hosts a single Django project: asking for another
    settings module than the one already configured raises instead of silently using it.
    """
    global _configured_module
    with _setup_lock:
        if _configured_module == settings_module:
            return
        current = os.environ.setdefault(SETTINGS_ENV, settings_module)
        if current != settings_module:
            raise DjangoConfigurationError(
                f"{SETTINGS_ENV}={current!r} is already set in this process, but the Django "
                f"settings module {settings_module!r} was asked for; one process hosts one Django "
                f"project: unset {SETTINGS_ENV} or configure the source with {current!r}."
            )
        try:
            importlib.import_module(settings_module)
        except Exception as error:
            raise DjangoConfigurationError(
                f"Cannot configure Django: {SETTINGS_ENV}={settings_module!r} does not import "
                f"({type(error).__name__}: {error}). Check the module path and that its project "
                "is installed in this environment."
            ) from error

        import django

        process_zone = os.environ.get("TZ")
        django.setup()
        _restore_process_zone(process_zone)
        _configured_module = settings_module


def _restore_process_zone(process_zone: str | None) -> None:
    """Undo Django's ``TZ`` of the process (set from ``TIME_ZONE``) for a project with
    ``USE_TZ``, whose datetimes are aware and need none: Dagster stamps its log lines in the
    process's zone, and a run's lines would jump an hour from one to the next."""
    import time

    from django.conf import settings

    if not getattr(settings, "USE_TZ", False) or os.environ.get("TZ") == process_zone:
        return
    if process_zone is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = process_zone
    time.tzset()


def put_on_import_path(project_dir: str | None) -> None:
    """Put ``project_dir`` (an existing folder) first on the import path, once."""
    if project_dir and project_dir not in sys.path:
        sys.path.insert(0, project_dir)


def check_importable(settings_module: str) -> None:
    """Refuse a settings module this process cannot import (looked up, not run)."""
    try:
        found = importlib.util.find_spec(settings_module)
    except (ImportError, ValueError) as error:
        found, problem = None, f"{type(error).__name__}: {error}"
    else:
        problem = f"ModuleNotFoundError: No module named {settings_module!r}"
    if found is None:
        raise SettingsError(
            f"the Django settings module {settings_module!r} cannot be imported in this "
            f"environment ({problem}): install your Django project here (pip install -e "
            "<its folder>), or give the django source the folder of its manage.py "
            f"(project_dir, or {PROJECT_DIR_ENV})"
        )


class DjangoORM(dg.ConfigurableResource):
    """The Django ORM of the source application, set up in every process that executes a run."""

    settings_module: str = Field(
        description="Dotted path of the Django settings module (DJANGO_SETTINGS_MODULE).",
    )
    project_dir: str | None = Field(
        default=None,
        description="Folder put first on the import path (that of manage.py), when the "
        "project is not installed as a package.",
    )

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        put_on_import_path(self.project_dir)
        configure_django(self.settings_module)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        """Close the run's database connections, but none inside a transaction it did not
        open (a test's: pytest-django's ``db`` runs each test in one, on this thread)."""
        from django.db import connections

        for connection in connections.all(initialized_only=True):
            if not connection.in_atomic_block:
                connection.close()


class DjangoSourceSettings(BaseModel):
    """A Django source: ``settings_module`` (dotted), ``project_dir`` (the folder of
    ``manage.py``, absolute) when the project is not installed in the environment."""

    model_config = ConfigDict(extra="forbid")

    settings_module: str = Field(min_length=1)
    project_dir: str | None = None


def _django_settings(name: str, variables: RequiredVariables) -> DjangoSourceSettings | None:
    module = variables.get(SETTINGS_ENV, "the Django settings module of your application")
    project_dir = env_optional(PROJECT_DIR_ENV, variables.environ)
    return DjangoSourceSettings(settings_module=module, project_dir=project_dir) if module else None


def _django_resource(name: str, settings: DjangoSourceSettings) -> DjangoORM:
    """The resource, after putting ``project_dir`` on the import path of this process and
    checking that the settings module can be imported from it."""
    project_dir = None
    if settings.project_dir:
        folder = Path(settings.project_dir).absolute()
        if not folder.is_dir():
            raise SettingsError(f"the Django project folder {str(folder)!r} does not exist")
        project_dir = str(folder)
        put_on_import_path(project_dir)
    check_importable(settings.settings_module)
    return DjangoORM(settings_module=settings.settings_module, project_dir=project_dir)


def _django_transient_errors() -> tuple[type[BaseException], ...]:
    django_db = sys.modules.get("django.db")
    if django_db is None:
        return ()
    return (django_db.OperationalError, django_db.InterfaceError)


#: Settings: DJANGO_SETTINGS_MODULE (and ANALYTICS_DJANGO_PROJECT_DIR), or a Component's
#: ``sources: {django: {settings_module, project_dir}}``. Transient: the database's
#: OperationalError and InterfaceError.
DJANGO_SOURCE_KIND = SourceKind(
    DJANGO_KIND,
    DjangoSourceSettings,
    _django_settings,
    _django_resource,
    _django_transient_errors,
)
