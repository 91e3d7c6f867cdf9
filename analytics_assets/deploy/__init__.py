"""The production Dagster instance: its dagster.yaml and the event storage it configures."""
