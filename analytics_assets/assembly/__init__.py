"""Dagster assembly: extractor classes -> assets, delta views, checks, and the whole location."""
