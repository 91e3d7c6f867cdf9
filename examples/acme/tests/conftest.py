"""The help desk's token for the tests' live server (the app's own API, served by pytest-django)."""

import pytest
from acme_site import settings


@pytest.fixture
def helpdesk(live_server):
    """The help desk API of the app, served on 127.0.0.1, as the extractor's source."""
    from analytics_assets.extract import HttpApi

    return HttpApi(base_url=live_server.url, token=settings.HELPDESK_TOKEN)
