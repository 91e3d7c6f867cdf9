"""Acme's Django project."""
