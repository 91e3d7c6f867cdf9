"""The quiet terminal of `analytics-assets dev`: start-up, UI address, run starts and ends, errors.

``dagster dev`` and the run workers it starts print every event of every run (a catch-up
of the demo printed 9,321 lines in its first five minutes, 5,580 of them one
``Materialized value`` per day and asset). Their output goes through :class:`QuietFilter`,
which keeps, line by line:

* every record at WARNING, ERROR or CRITICAL (with its traceback lines);
* the start and the end of each run (``RUN_START``, ``RUN_SUCCESS``, ``RUN_FAILURE``,
  ``RUN_CANCELED``; Dagster logs the first two at DEBUG);
* what the location's own sensors and schedule say (a catch-up run requested, a failure
  notified): a few lines per tick, never one per day;
* any output that is not a log record (a Python warning, a crash's traceback).

Everything else (DEBUG and INFO records, with their continuation lines) is dropped from
the terminal only: Dagster stores every event as before, and the UI shows them.
``analytics-assets dev --verbose`` prints everything, unfiltered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_RECORD = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} - (?P<logger>\S+) - "
    r"(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL) - (?P<message>.*)$"
)
_PYTHON_WARNING = re.compile(r"^\S+:\d+: \w*Warning: ")
RUN_BOUNDARIES = ("RUN_START", "RUN_SUCCESS", "RUN_FAILURE", "RUN_CANCELED")
_RUN_BOUNDARY = re.compile(r" - (?:" + "|".join(RUN_BOUNDARIES) + r") - ")
#: The prefix of what the location's own sensors and schedule log (their code-server lines).
_LOCATION_AUTOMATION = "__repository__ - "


class QuietFilter:
    """Decides, line by line, whether the quiet terminal shows a line of ``dagster dev``."""

    def __init__(self) -> None:
        self._showing = True  # what happens to lines continuing the current record

    def keep(self, line: str) -> bool:
        plain = _ANSI.sub("", line).rstrip("\n")
        record = _RECORD.match(plain)
        if record is not None:
            self._showing = _shown_record(record.group("level"), record.group("message"))
        elif _PYTHON_WARNING.match(plain) or plain.startswith("Traceback (most recent call"):
            self._showing = True  # not a log record: a warning or a crash printed as such
        return self._showing

    def lines(self, lines: Iterable[str]) -> Iterator[str]:
        return (line for line in lines if self.keep(line))


def _shown_record(level: str, message: str) -> bool:
    if level in ("WARNING", "ERROR", "CRITICAL"):
        return True
    return bool(_RUN_BOUNDARY.search(f" - {message}")) or (
        level == "INFO" and message.startswith(_LOCATION_AUTOMATION)
    )
