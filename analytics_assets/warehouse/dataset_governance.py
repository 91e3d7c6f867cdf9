"""Dataset governance: the description, labels and group access this project keeps on its dataset.

What is configured (validated by :mod:`analytics_assets.settings` with these parsers):
``BIGQUERY_DATASET_DESCRIPTION``, ``BIGQUERY_DATASET_LABELS`` (``key=value,key=value``),
``BIGQUERY_READER_GROUPS`` (role READER) and ``BIGQUERY_WRITER_GROUPS`` (role WRITER).
:func:`reconcile` turns a live dataset into the configured one, on every write
(:meth:`~analytics_assets.warehouse.tables.TableManager.ensure_dataset`), touching only
what this project manages:

* **Description**: entirely ours (configured text, then the access record below).
* **Labels**: the configured keys and ``managed-by`` are set to their values; every other
  label is kept. A key removed from the configuration is left in place: deleting a label
  takes an explicit ``null`` in a BigQuery PATCH (labels are merged), which the embedded
  emulator answers with a 500 (it replaces the whole map instead), so deletion could not
  be the same code on both; delete such a label by hand (``bq update --clear_label``).
* **Access**: the ``groupByEmail`` entries with role READER or WRITER (and no IAM
  condition) of the *managed* groups. A managed group gets exactly one such entry, with
  its configured role; a group that was managed and is no longer configured loses it.
  Everything else is never touched: project owners/readers/writers, users, domains, IAM
  members, authorized views, routines and datasets, OWNER entries, conditional entries,
  and groups added by hand.

How "managed" is known: the description ends with one line naming the groups written by
this project, e.g. ``Access managed by analytics_assets for groups: a@example.com,
b@example.com``. A label cannot hold it (63 characters of ``[a-z0-9_-]``, no ``@``;
a hash label cannot name what to remove, and one label per group would need label
deletion, see above); the description holds 16,384 characters, is replaced as a whole by
a PATCH on BigQuery and on the emulator alike, is shown to anyone who opens the dataset
(so it tells them which grants the code owns), and is rewritten by this project on every
change anyway. If someone deletes that line, the configured groups are recorded again on
the next run and nothing is removed that the line no longer names: the safe direction.
A group added by hand and configured later becomes managed from then on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from analytics_assets.extract.names import MAX_TABLE_DESCRIPTION

if TYPE_CHECKING:  # settings import the parsers here: keep the BigQuery client out of them
    from google.cloud import bigquery

DEFAULT_DATASET_DESCRIPTION = "Daily analytics written by the analytics_assets code location."
MANAGED_BY_LABEL = {"managed-by": "analytics-assets"}
READER, WRITER = "READER", "WRITER"
MANAGED_ROLES = frozenset({READER, WRITER})
GROUP_ENTITY = "groupByEmail"
ACCESS_RECORD_PREFIX = "Access managed by analytics_assets for groups: "
#: BigQuery keeps 16,384 characters of a dataset's description; the configured text may
#: take half, the rest is room for the access record.
MAX_DATASET_DESCRIPTION = MAX_TABLE_DESCRIPTION
MAX_CONFIGURED_DESCRIPTION = 8_192
#: BigQuery allows 64 labels on a resource; one is ``managed-by``.
MAX_CONFIGURED_LABELS = 63

_LABEL_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_LABEL_VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")
_DOMAIN_PART = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_EMAIL = re.compile(rf"^[a-z0-9.!#$%&'*+/=?^_`{{|}}~-]+@{_DOMAIN_PART}(?:\.{_DOMAIN_PART})+$")
_MAX_EMAIL = 254


@dataclass(frozen=True)
class DatasetPolicy:
    """The configured state of the dataset: description, labels, and a role per group email."""

    description: str = DEFAULT_DATASET_DESCRIPTION
    labels: Mapping[str, str] = field(default_factory=dict)
    group_roles: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_groups(
        cls,
        description: str,
        labels: Mapping[str, str],
        readers: Iterable[str],
        writers: Iterable[str],
    ) -> DatasetPolicy:
        roles = {email.lower(): READER for email in readers}
        roles.update({email.lower(): WRITER for email in writers})
        text = check_description(description or DEFAULT_DATASET_DESCRIPTION)
        check_described_length(text, roles)
        return cls(text, dict(labels), roles)


# --- parsing the settings (ValueError says what is wrong; settings names the variable) ----


def _items(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


def _label(item: str, seen: Mapping[str, str]) -> tuple[str, str]:
    key, equals, value = (part.strip() for part in item.partition("="))
    if not equals:
        raise ValueError(f"{item!r} is not key=value")
    if not _LABEL_KEY.match(key):
        raise ValueError(
            f"label key {key!r} is invalid: 1 to 63 lowercase letters, digits, underscores "
            "and hyphens, starting with a lowercase letter"
        )
    if not _LABEL_VALUE.match(value):
        raise ValueError(
            f"value {value!r} of label {key} is invalid: at most 63 lowercase letters, "
            "digits, underscores and hyphens"
        )
    if key in MANAGED_BY_LABEL:
        raise ValueError(f"label {key} is set by analytics_assets itself")
    if key in seen:
        raise ValueError(f"label {key} is given twice")
    return key, value


def parse_labels(raw: str) -> dict[str, str]:
    """``team=data,cost-center=analytics`` -> a dict; ValueError on BigQuery-invalid labels."""
    labels: dict[str, str] = {}
    for item in _items(raw):
        key, value = _label(item, labels)
        labels[key] = value
    if len(labels) > MAX_CONFIGURED_LABELS:
        raise ValueError(f"{len(labels)} labels; BigQuery keeps at most 64, one is managed-by")
    return labels


def parse_group_emails(raw: str, taken: Sequence[str] = (), taken_by: str = "") -> tuple[str, ...]:
    """Comma-separated group emails, lowercased, without repeats; none of ``taken``."""
    emails: list[str] = []
    for email in (item.lower() for item in _items(raw)):
        if len(email) > _MAX_EMAIL or not _EMAIL.match(email):
            raise ValueError(f"{email!r} is not an email address (e.g. analysts@example.com)")
        if email in taken:
            raise ValueError(
                f"{email} is also in {taken_by}: give each group one role (WRITER can read too)"
            )
        if email not in emails:
            emails.append(email)
    return tuple(emails)


def check_description(text: str) -> str:
    if len(text) > MAX_CONFIGURED_DESCRIPTION:
        raise ValueError(
            f"{len(text)} characters; at most {MAX_CONFIGURED_DESCRIPTION} (BigQuery keeps "
            "16,384, the rest holds the record of the groups analytics_assets manages)"
        )
    if any(line.startswith(ACCESS_RECORD_PREFIX) for line in text.splitlines()):
        raise ValueError(
            f"a line starts with {ACCESS_RECORD_PREFIX.strip()!r}, the record analytics_assets "
            "writes itself of the groups it manages (a copy would make it remove groups it "
            "never granted): remove that line"
        )
    return text


def check_described_length(text: str, groups: Iterable[str]) -> str:
    """The dataset description (``text`` and the record of ``groups``) if BigQuery keeps it."""
    full = described(text, groups)
    if len(full) > MAX_DATASET_DESCRIPTION:
        raise ValueError(
            f"the description ({len(text):,} characters) and the record of the "
            f"{len(set(groups))} managed groups make {len(full):,} characters; BigQuery keeps "
            f"at most {MAX_DATASET_DESCRIPTION:,}: shorten BIGQUERY_DATASET_DESCRIPTION or "
            "configure fewer groups"
        )
    return full


# --- the access record in the description ------------------------------------------------


def recorded_groups(description: str | None) -> frozenset[str]:
    """The group emails the description's access record names (none without a record).

    The record is the description's last line, after a blank line, as :func:`described`
    writes it; a line like it anywhere else is text, never a record.
    """
    lines = (description or "").splitlines()
    if len(lines) < 3 or lines[-2] or not lines[-1].startswith(ACCESS_RECORD_PREFIX):
        return frozenset()
    return frozenset(_items(lines[-1].removeprefix(ACCESS_RECORD_PREFIX).lower()))


def described(text: str, groups: Iterable[str]) -> str:
    """The configured description followed, when there are managed groups, by their record."""
    listed = ", ".join(sorted(groups))
    return f"{text}\n\n{ACCESS_RECORD_PREFIX}{listed}" if listed else text


# --- the reconciliation --------------------------------------------------------------------


def _is_managed(entry: bigquery.AccessEntry, managed: frozenset[str]) -> bool:
    return (
        entry.entity_type == GROUP_ENTITY
        and str(entry.entity_id).lower() in managed
        and entry.role in MANAGED_ROLES
        and entry.condition is None
    )


def desired_access(
    current: Sequence[bigquery.AccessEntry],
    previously_managed: frozenset[str],
    policy: DatasetPolicy,
) -> list[bigquery.AccessEntry]:
    """``current`` without the managed group entries, then one entry per configured group."""
    from google.cloud import bigquery

    managed = previously_managed | frozenset(policy.group_roles)
    kept = [entry for entry in current if not _is_managed(entry, managed)]
    configured = [
        bigquery.AccessEntry(role, GROUP_ENTITY, email)
        for email, role in sorted(policy.group_roles.items())
    ]
    return kept + configured


def desired_labels(current: Mapping[str, str], policy: DatasetPolicy) -> dict[str, str]:
    return {**current, **MANAGED_BY_LABEL, **policy.labels}


def _same_access(a: Sequence[bigquery.AccessEntry], b: Sequence[bigquery.AccessEntry]) -> bool:
    def canonical(entries: Sequence[bigquery.AccessEntry]) -> list[str]:
        return sorted(json.dumps(e.to_api_repr(), sort_keys=True) for e in entries)

    return canonical(a) == canonical(b)


def reconcile(dataset: bigquery.Dataset, policy: DatasetPolicy) -> list[str]:
    """Set ``dataset``'s managed parts to ``policy``; the names of the fields that changed."""
    access = desired_access(dataset.access_entries, recorded_groups(dataset.description), policy)
    labels = desired_labels(dataset.labels, policy)
    description = described(policy.description, policy.group_roles)
    changed = []
    if not _same_access(access, dataset.access_entries):
        dataset.access_entries = access
        changed.append("access_entries")
    if labels != dataset.labels:
        dataset.labels = labels
        changed.append("labels")
    if description != (dataset.description or ""):
        dataset.description = description
        changed.append("description")
    return changed
