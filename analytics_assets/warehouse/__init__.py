"""The BigQuery side: client, IO manager, embedded emulator."""
