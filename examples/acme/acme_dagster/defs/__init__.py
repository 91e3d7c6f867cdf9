"""Acme's definitions: analytics/ mounts the extractors; reports.py is the team's own."""
