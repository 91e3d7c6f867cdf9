"""Leftovers of killed runs: who made a staging file or table, and whether it can go.

A run killed with ``kill -9`` cleans nothing up: its parquet file stays in the temporary
folder and its staging table in the dataset (BigQuery expires staging tables after six
hours; the embedded emulator never does). Each is therefore marked with its owner, the
host and process id that made it, and the next write of the same table removes the ones
whose owner is gone: a process of this host that no longer runs, or anything older than
:data:`STALE_AFTER` (a process on another host, or a reused process id). A write in
progress is never touched: its process runs, and it is younger than that.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import socket
from dataclasses import dataclass
from pathlib import Path

#: Older than this, a leftover is stale whoever made it: a write (its load and its
#: replace) takes minutes, never an hour.
STALE_AFTER = dt.timedelta(hours=1)
_LABEL_UNSAFE = re.compile(r"[^a-z0-9_-]")


def _host() -> str:
    """This host's name as a label value: lowercase letters, digits, _ and -, 63 at most."""
    return _LABEL_UNSAFE.sub("-", socket.gethostname().lower())[:63] or "unknown"


@dataclass(frozen=True)
class Owner:
    """The process that made a leftover: its host and process id."""

    host: str
    pid: int

    @classmethod
    def this_process(cls) -> Owner:
        return cls(_host(), os.getpid())

    def labels(self) -> dict[str, str]:
        """The owner as BigQuery labels (values of lowercase letters, digits, _ and -)."""
        return {"staging-host": self.host, "staging-pid": str(self.pid)}

    @classmethod
    def from_labels(cls, labels: dict[str, str] | None) -> Owner | None:
        labels = labels or {}
        host, pid = labels.get("staging-host"), labels.get("staging-pid", "")
        return cls(host, int(pid)) if host and pid.isdigit() else None

    def is_gone(self) -> bool:
        """True if the owner ran on this host and no longer runs."""
        return self.host == _host() and not process_is_running(self.pid)


def process_is_running(pid: int) -> bool:
    """True while ``pid`` runs (a zombie, killed and not yet reaped, has ended)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError, IndexError):
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    return True


def is_stale(owner: Owner | None, created: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a leftover made by ``owner`` at ``created`` can be removed at ``now``."""
    if owner is not None and owner.is_gone():
        return True
    return created is not None and now - created > STALE_AFTER
