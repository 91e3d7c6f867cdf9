"""Automation of the code location: daily schedule, catch-up runs, failure notifications."""
