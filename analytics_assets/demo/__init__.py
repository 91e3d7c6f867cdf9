"""The embedded demo Django project: a small shop whose generated history feeds the extractors."""

SETTINGS_MODULE = "analytics_assets.demo.settings"
