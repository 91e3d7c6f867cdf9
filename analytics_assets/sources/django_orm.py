"""Configure Django once per process and expose its ORM to Dagster as the ``DjangoORM`` resource.

Extractors import their models lazily, inside ``extract``, so loading the definitions never
needs Django; the resource sets Django up in each run or step process before they execute.
Only the synchronous ORM is supported: keep ORM-reading assets synchronous.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading

import dagster as dg
from pydantic import Field

from analytics_assets.environment_variables import RequiredVariables
from analytics_assets.extract.source import DJANGO_KIND
from analytics_assets.sources.kind import SourceKind

SETTINGS_ENV = "DJANGO_SETTINGS_MODULE"

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

        django.setup()
        _configured_module = settings_module


class DjangoORM(dg.ConfigurableResource):
    """The Django ORM of the source application, set up in every process that executes a run."""

    settings_module: str = Field(
        description="Dotted path of the Django settings module (DJANGO_SETTINGS_MODULE).",
    )

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        configure_django(self.settings_module)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        from django.db import connections

        connections.close_all()


def _django_resource(name: str, variables: RequiredVariables) -> DjangoORM:
    module = variables.get(SETTINGS_ENV, "the Django settings module of your application")
    return DjangoORM(settings_module=module or "unset")


def _django_transient_errors() -> tuple[type[BaseException], ...]:
    django_db = sys.modules.get("django.db")
    if django_db is None:
        return ()
    return (django_db.OperationalError, django_db.InterfaceError)


#: Settings: DJANGO_SETTINGS_MODULE. Transient: the database's OperationalError, InterfaceError.
DJANGO_SOURCE_KIND = SourceKind(DJANGO_KIND, _django_resource, _django_transient_errors)
