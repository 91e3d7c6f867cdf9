"""The production Dagster instance: its dagster.yaml (dagster-postgres' storages), and an
optional event storage lever for hosts where every Dagster process can import this package."""
