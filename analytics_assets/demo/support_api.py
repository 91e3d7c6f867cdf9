"""The support-ticket source when no real API is configured: the demo API, served by the run.

``DemoSupportApi`` is an :class:`~analytics_assets.sources.http_api.HttpApi` that, before a
run's steps, sets up the demo Django project (migrated and seeded if empty) and serves its
JSON API on a free port of 127.0.0.1; the extractor then talks real HTTP to it. Nothing
to start by hand, and the same client code as against a remote API.
"""

from __future__ import annotations

from contextlib import ExitStack

import dagster as dg
from pydantic import PrivateAttr

from analytics_assets.demo import SETTINGS_MODULE
from analytics_assets.sources.http_api import HttpApi


class DemoSupportApi(HttpApi):
    """The demo support desk's API, served from this process for the duration of a run."""

    base_url: str = "http://127.0.0.1"  # replaced by the local server's URL when opened
    _server: ExitStack | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        from analytics_assets.demo.history import ensure_demo_database
        from analytics_assets.demo.server import serve_demo_api
        from analytics_assets.sources.django_orm import configure_django

        configure_django(SETTINGS_MODULE)
        ensure_demo_database()
        self._server = ExitStack()
        url = self._server.enter_context(serve_demo_api())
        self.open(url)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self.close()
        if self._server is not None:
            self._server.close()
            self._server = None
