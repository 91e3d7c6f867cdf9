"""The demo's sources as Dagster resources: its Django shop (seeded on first use), its support API.

``ANALYTICS_ENV=demo`` gives the demo extractors these resources instead of the ones the
source kinds build from the environment: the same classes (:class:`DjangoORM`,
:class:`~analytics_assets.sources.http_api.HttpApi`), set up so that nothing has to be
installed or started by hand.
"""

from __future__ import annotations

import os
from typing import Any

import dagster as dg

from analytics_assets.demo import SETTINGS_MODULE
from analytics_assets.demo.config import SUPPORT_API_TOKEN_ENV, DemoSettings
from analytics_assets.demo.extractors.support_ticket import SUPPORT_API
from analytics_assets.demo.support_api import DemoSupportApi
from analytics_assets.extract import DJANGO
from analytics_assets.sources.django_orm import DjangoORM

#: Tries of the demo database's check when its SQLite file is locked (another process of
#: `analytics-assets dev` seeding or writing it): waits of 0.5, 1, 2, 4 and 8 s.
LOCKED_TRIES = 6


class DemoDjangoORM(DjangoORM):
    """The demo shop's ORM: migrated and seeded (first date to yesterday) when empty."""

    settings_module: str = SETTINGS_MODULE

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        super().setup_for_execution(context)
        stats = _ensure_seeded()  # the source, not the warehouse: seeded on first use
        if stats is not None and context.log is not None:
            context.log.info(f"Seeded the demo Django database: {stats}")


def _ensure_seeded() -> Any:
    """The demo database seeded, waiting out a SQLite lock held by another process (the
    transient error of a local file, retried as the production Django resource's run is)."""
    import tenacity
    from django.db import OperationalError

    from analytics_assets.demo.history import ensure_demo_database

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(
            lambda error: isinstance(error, OperationalError) and "locked" in str(error)
        ),
        wait=tenacity.wait_exponential(multiplier=0.5, max=8),
        stop=tenacity.stop_after_attempt(LOCKED_TRIES),
        reraise=True,
    )
    return retrying(ensure_demo_database)


#: The demo API is this project's own server on 127.0.0.1: the highest rate HttpApi allows
#: (a real API keeps HttpApi's default of 10 per second). At 10 per second its one request
#: per day held each 90-day catch-up run 9 s or more, the first start's whole history 106 s.
DEMO_API_REQUESTS_PER_SECOND = 1000.0


def demo_source_resources(
    demo: DemoSettings, rate_per_second: float = DEMO_API_REQUESTS_PER_SECOND
) -> dict[str, Any]:
    """The resources of the demo extractors' sources, by source name.

    The support API's token is always passed as ``dg.EnvVar`` (the UI shows the variable's
    name, never a token): ANALYTICS_SUPPORT_API_TOKEN, set to the demo's own token in every
    process that loads the demo when it is not set.
    """
    os.environ.setdefault(SUPPORT_API_TOKEN_ENV, demo.api_token)
    token: Any = dg.EnvVar(SUPPORT_API_TOKEN_ENV)
    return {
        DJANGO.name: DemoDjangoORM(),
        SUPPORT_API.name: DemoSupportApi(token=token, max_requests_per_second=rate_per_second),
    }
