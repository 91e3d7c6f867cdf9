"""Sources extractors read from: the Django ORM and HTTP APIs."""
