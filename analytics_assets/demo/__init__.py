"""The demo world: a small Django shop, its support desk API, its history, and ITS extractors.

Only ``ANALYTICS_ENV=demo`` (the default) loads this package, through
:mod:`analytics_assets.environments`; nothing of the framework imports it.
"""

SETTINGS_MODULE = "analytics_assets.demo.settings"
