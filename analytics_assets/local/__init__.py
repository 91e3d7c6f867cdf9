"""The local world: the embedded BigQuery emulator and its wiring (demo and local environments).

Nothing of the framework imports this package; :mod:`analytics_assets.environments` does,
for ``ANALYTICS_ENV=demo`` and ``local`` only, so a production process never loads it.
"""
