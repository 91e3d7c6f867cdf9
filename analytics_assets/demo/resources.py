"""The demo's sources as Dagster resources: its Django shop (seeded on first use), its support API.

``ANALYTICS_ENV=demo`` gives the demo extractors these resources instead of the ones the
source kinds build from the environment: the same classes (:class:`DjangoORM`,
:class:`~analytics_assets.sources.http_api.HttpApi`), set up so that nothing has to be
installed or started by hand.
"""

from __future__ import annotations

from typing import Any

import dagster as dg

from analytics_assets.demo import SETTINGS_MODULE
from analytics_assets.demo.config import SUPPORT_API_TOKEN_ENV, DemoSettings
from analytics_assets.demo.extractors.support_ticket import SUPPORT_API
from analytics_assets.demo.support_api import DemoSupportApi
from analytics_assets.extract import DJANGO
from analytics_assets.sources.django_orm import DjangoORM


class DemoDjangoORM(DjangoORM):
    """The demo shop's ORM: migrated and seeded (first date to yesterday) when empty."""

    settings_module: str = SETTINGS_MODULE

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        from analytics_assets.demo.history import ensure_demo_database

        super().setup_for_execution(context)
        stats = ensure_demo_database()  # the source, not the warehouse: seeded on first use
        if stats is not None and context.log is not None:
            context.log.info(f"Seeded the demo Django database: {stats}")


#: The demo API is this project's own server on 127.0.0.1: the highest rate HttpApi allows
#: (a real API keeps HttpApi's default of 10 per second). At 10 per second its one request
#: per day held each 90-day catch-up run 9 s or more, the first start's whole history 106 s.
DEMO_API_REQUESTS_PER_SECOND = 1000.0


def demo_source_resources(
    demo: DemoSettings, rate_per_second: float = DEMO_API_REQUESTS_PER_SECOND
) -> dict[str, Any]:
    """The resources of the demo extractors' sources, by source name.

    The support API's token is passed as ``dg.EnvVar`` when ANALYTICS_SUPPORT_API_TOKEN is
    set (the UI shows the variable's name), else the demo's own, not secret, token.
    """
    token: Any = dg.EnvVar(SUPPORT_API_TOKEN_ENV) if demo.support_api_token else demo.api_token
    return {
        DJANGO.name: DemoDjangoORM(),
        SUPPORT_API.name: DemoSupportApi(token=token, max_requests_per_second=rate_per_second),
    }
