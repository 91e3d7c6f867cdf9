"""Acme's Dagster project: its analytics (a Component instance) and its own assets beside them."""
