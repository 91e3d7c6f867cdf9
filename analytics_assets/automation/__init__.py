"""Automation of the code location: daily schedule, catch-up backfills, failure notifications."""
