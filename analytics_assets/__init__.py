"""analytics_assets: a Dagster code location turning application data into daily analytics."""
