"""The quiet terminal of `analytics-assets dev`: start-up, UI address, run starts and ends, errors.

``dagster dev`` and the run workers it starts print every event of every run (a catch-up
of the demo printed 9,321 lines in its first five minutes, 5,580 of them one
``Materialized value`` per day and asset). Their output goes through :class:`QuietFilter`,
which keeps, line by line:

* every record at WARNING, ERROR or CRITICAL, with its traceback: the frames inside Dagster
  and this package folded into one line, and an exception printed once per run (a run's
  failure repeats its failed step's error, twice as long);
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


#: A traceback frame in a package whose frames the quiet terminal folds away.
_HIDDEN_FRAME = re.compile(
    r'^\s+File "[^"]*(?:[/\\](?:dagster|dagster_\w+|analytics_assets)[/\\]|[/\\]contextlib\.py")'
)
_FRAME = re.compile(r'^\s+File "')
_RUN_ID = re.compile(r" - ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}) - ")
#: Lines of a traceback that are neither an exception nor a frame.
_TRACEBACK_PROSE = ("Stack Trace:", "The above exception", "During handling of the above")
#: Runs whose printed exceptions are remembered (one run's failure repeats them).
_RUNS_REMEMBERED = 20


class QuietFilter:
    """Decides, line by line, what the quiet terminal shows of ``dagster dev``'s output.

    In a shown error's traceback, frames inside Dagster and this package are folded into
    one line (the user's own frames stay), and an exception this run already printed (a
    run's failure repeats its step's) is printed once more without its traceback.
    """

    def __init__(self) -> None:
        self._showing = True  # what happens to lines continuing the current record
        self._run: str | None = None
        self._printed: dict[str | None, set[str]] = {}
        self._repeated = False  # in an exception this run printed already: skip its frames
        self._folded = 0  # frames folded away and not yet summed up
        self._in_folded_frame = False

    def feed(self, line: str) -> list[str]:
        """The lines to print for ``line`` (none, the line, or a summary and the line)."""
        plain = _ANSI.sub("", line).rstrip("\n")
        record = _RECORD.match(plain)
        if record is not None:
            self._showing = _shown_record(record.group("level"), record.group("message"))
            run = _RUN_ID.search(plain)
            self._run = run.group(1) if run else None
            self._repeated = False
            return self._flushed([line] if self._showing else [])
        if _PYTHON_WARNING.match(plain) or plain.startswith("Traceback (most recent call"):
            self._showing = True  # not a log record: a warning or a crash printed as such
            self._run, self._repeated = None, False
            return self._flushed([line])
        if not self._showing:
            return []
        return self._traceback_line(line, plain)

    def lines(self, lines: Iterable[str]) -> Iterator[str]:
        for line in lines:
            yield from self.feed(line)
        yield from self._flushed([])

    def _traceback_line(self, line: str, plain: str) -> list[str]:
        if _FRAME.match(plain):
            self._in_folded_frame = self._repeated or bool(_HIDDEN_FRAME.match(plain))
            if self._in_folded_frame:
                self._folded += 0 if self._repeated else 1
                return []
            return self._flushed([line])
        if plain.startswith("    ") and self._in_folded_frame:
            return []  # the source line (and carets) of a folded frame
        self._in_folded_frame = False
        if plain.startswith(_TRACEBACK_PROSE[1:]):
            self._repeated = False  # the next exception of the chain
        if not plain.strip() or plain.startswith(_TRACEBACK_PROSE) or plain.startswith(" "):
            return [] if self._repeated else self._flushed([line])
        return self._exception_line(line, plain)

    def _exception_line(self, line: str, plain: str) -> list[str]:
        printed = self._printed.setdefault(self._run, set())
        while len(self._printed) > _RUNS_REMEMBERED:
            del self._printed[next(iter(self._printed))]
        self._repeated = self._run is not None and plain in printed
        printed.add(plain)
        if self._repeated:
            return self._flushed([line, "  (its traceback is printed above)\n", "\n"])
        return self._flushed([line])

    def _flushed(self, lines: list[str]) -> list[str]:
        """``lines``, after the summary of the frames folded since the last shown line."""
        if not self._folded:
            return lines
        folded, self._folded = self._folded, 0
        noun = "frame" if folded == 1 else "frames"
        summary = f"  [{folded} {noun} in dagster/analytics_assets; --verbose shows them]\n"
        return [summary, *lines]


def _shown_record(level: str, message: str) -> bool:
    if level in ("WARNING", "ERROR", "CRITICAL"):
        return True
    return bool(_RUN_BOUNDARY.search(f" - {message}")) or (
        level == "INFO" and message.startswith(_LOCATION_AUTOMATION)
    )
