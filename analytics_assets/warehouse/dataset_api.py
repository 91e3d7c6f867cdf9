"""The dataset read and updated at IAM access policy version 3, so conditional grants survive.

BigQuery returns a conditional access entry (an IAM condition on a grant) with its
condition only when the request asks for access policy version 3; otherwise the entry
comes back without it, and sending that list back would turn a time-limited grant into a
permanent one, or be refused. google-cloud-bigquery 3.x has no parameter for it on
``get_dataset`` / ``update_dataset``, so these two calls go through the client's own
connection (``Connection.api_request``, the documented primitive under every client
call: same endpoint, credentials and retries) with ``accessPolicyVersion=3``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from google.api_core.retry import Retry
from google.cloud import bigquery

ACCESS_POLICY_VERSION = 3
#: Dataset properties this project updates, as the REST API names them.
_API_FIELDS = {"access_entries": "access", "labels": "labels", "description": "description"}


def _request(client: bigquery.Client, retry: Retry, **request: Any) -> dict[str, Any]:
    call = client._connection.api_request  # the public primitive of the client's connection
    query = {"accessPolicyVersion": ACCESS_POLICY_VERSION}
    return retry(call)(query_params=query, **request)


def _path(dataset_id: str) -> str:
    project, dataset = dataset_id.split(".")
    return f"/projects/{project}/datasets/{dataset}"


def get_dataset(client: bigquery.Client, dataset_id: str, retry: Retry) -> bigquery.Dataset:
    """The dataset, its conditional access entries with their conditions."""
    resource = _request(client, retry, method="GET", path=_path(dataset_id))
    return bigquery.Dataset.from_api_repr(resource)


def update_dataset(
    client: bigquery.Client, dataset: bigquery.Dataset, fields: Sequence[str], retry: Retry
) -> bigquery.Dataset:
    """PATCH ``fields`` of ``dataset``, only if it is still at its etag (else 412)."""
    resource = dataset.to_api_repr()
    partial = {_API_FIELDS[f]: resource.get(_API_FIELDS[f]) for f in fields}
    headers = {"If-Match": dataset.etag} if dataset.etag else None
    answer = _request(
        client,
        retry,
        method="PATCH",
        path=_path(f"{dataset.project}.{dataset.dataset_id}"),
        data=partial,
        headers=headers,
    )
    return bigquery.Dataset.from_api_repr(answer)
