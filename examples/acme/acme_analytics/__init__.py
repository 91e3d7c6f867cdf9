"""Acme's analytics: the extractors that turn its shop's data into daily BigQuery tables."""
