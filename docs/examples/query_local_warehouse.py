"""Query the local warehouse of `analytics-assets dev` (docs: Quickstart, "Query the warehouse")."""

import os

from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

# The embedded emulator listens on ANALYTICS_EMULATOR_PORT (9050 unless you set it).
port = os.environ.get("ANALYTICS_EMULATOR_PORT", "9050")
client = bigquery.Client(
    project="local-project",
    credentials=AnonymousCredentials(),
    client_options=ClientOptions(api_endpoint=f"http://127.0.0.1:{port}"),
)
# A short deadline and no re-run of the whole job: a wrong port fails in seconds instead of
# being retried for 10 minutes.
retry = bigquery.DEFAULT_RETRY.with_deadline(15)
sql = "SELECT * FROM analytics.user_delta ORDER BY date DESC LIMIT 3"
for row in client.query(sql, retry=retry, job_retry=None).result(retry=retry, timeout=60):
    print(dict(row))
