"""BigQuery limits the emulator does not enforce, checked before anything is written.

Real BigQuery refuses a query job whose ``maximum_bytes_billed`` is under 10 MiB, a
location that is not one of its multi-regions or regions, and a job that modifies more
than 4,000 partitions; the embedded emulator accepts all three (it even ran a location of
``EU'; DROP TABLE x; --``). Each is refused here when the settings load or before a run
writes, with one error naming the setting, so a production run never fails on them after
extracting its days. (Description lengths are checked where descriptions are declared:
:mod:`analytics_assets.extract.names`, :mod:`.dataset_governance`.)
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

#: BigQuery's minimum ``maximum_bytes_billed`` of a query job (10 MiB).
MIN_MAXIMUM_BYTES_BILLED = 10_485_760
#: BigQuery's maximum number of partitions one job may modify: a run's days per table.
MAX_PARTITIONS_PER_JOB = 4_000
_MULTI_REGIONS = ("US", "EU")
_REGION = re.compile(r"^[a-z]+-[a-z]+[0-9]{1,2}$")


class TooManyDaysError(ValueError):
    """A run would replace more days of a table than one BigQuery job may modify."""


def check_location(location: str) -> str:
    """A BigQuery location: ``US``, ``EU`` or a region such as ``europe-west1``; else ValueError."""
    if location.upper() in _MULTI_REGIONS or _REGION.match(location):
        return location
    raise ValueError(
        f"{location!r} is not a BigQuery location: US, EU, or a region such as europe-west1 "
        "or us-central1 (lowercase letters, one hyphen, the region's number)"
    )


def parse_maximum_bytes_billed(raw: str) -> int | None:
    """Bytes, at least BigQuery's minimum of 10 MiB; empty: no limit. ValueError otherwise."""
    if not raw.strip():
        return None
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        raise ValueError(f"{raw!r} is not a whole number of bytes") from None
    return check_maximum_bytes_billed(value)


def check_maximum_bytes_billed(value: int | None) -> int | None:
    if value is not None and value < MIN_MAXIMUM_BYTES_BILLED:
        raise ValueError(
            f"{value:,} bytes is under BigQuery's minimum of {MIN_MAXIMUM_BYTES_BILLED:,} "
            "(10 MiB): every query would be refused; raise it or leave it unset (no limit)"
        )
    return value


def refuse_too_many_days(table: str, days: Sequence[dt.date]) -> None:
    """Refuse writing more days of ``table`` at once than one BigQuery job may modify."""
    if len(days) > MAX_PARTITIONS_PER_JOB:
        raise TooManyDaysError(
            f"table {table}: this run covers {len(days):,} days ({min(days)} to {max(days)}), "
            f"but one BigQuery job modifies at most {MAX_PARTITIONS_PER_JOB:,} partitions: "
            f"materialize ranges of at most {MAX_PARTITIONS_PER_JOB:,} days (a backfill of a "
            "longer range is split into runs of that size by itself); nothing was written"
        )
