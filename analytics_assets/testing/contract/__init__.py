"""The BigQuery contract suite: every statement the project sends, against a real project.

The emulator is lenient where BigQuery is strict, so these tests send the project's own
statements, through its own code, to a target and check what the target then holds.
Each test runs once per target: ``[emulator]`` (always; CI keeps the suite working there)
and ``[bigquery]``, which runs only when the run asks for it (``pytest -m bigquery``) and
``BIGQUERY_PROJECT`` and credentials are set; otherwise it is skipped with one reason.
On real BigQuery everything happens in a throwaway dataset with a default table expiry,
deleted at the end. From an installation of the package::

    BIGQUERY_PROJECT=acme-analytics BIGQUERY_CREDENTIALS_FILE=/secrets/loader.json \\
      pytest -p no:bqemulator --pyargs analytics_assets.testing.contract -m bigquery

What is covered, one test or more each: dataset create (location, description, labels),
group access reconciled with the dataset's etag, table create (schema, DAY partitioning on
``date``, description, marker labels) and adoption, schema-guard reads, the parquet
staging load of every column type, the day and range replace transaction, a replace that
fails inside its transaction, ``CREATE OR REPLACE VIEW`` and its rows, the checks'
queries, job labels and ``maximum_bytes_billed``.
"""
