"""The ends of runs the quiet terminal would never print: runs that could not report their own.

A run whose worker is killed (``kill -9``, out of memory) prints nothing more; Dagster's run
monitoring in the daemon then marks it failed and says so at INFO, which the terminal does
not show. :class:`RunEndWatcher` asks the webserver's GraphQL API, every
:data:`POLL_SECONDS`, for runs that ended in failure or were canceled since
`analytics-assets dev` started, and prints one line for each whose end the output did not
show within :data:`GRACE_SECONDS` of it.
"""

from __future__ import annotations

import datetime as dt
import re
import time

POLL_SECONDS = 5.0
#: How long after a run's end its own RUN_FAILURE line may still come through the output.
GRACE_SECONDS = 10.0
_ENDED_RUNS = """
query EndedRuns($after: Float!) {
  runsOrError(filter: {statuses: [FAILURE, CANCELED], updatedAfter: $after}, limit: 100) {
    ... on Runs { results { runId jobName status endTime } }
  }
}
"""
_RUN_END = re.compile(
    r" - ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?: - \d+)? - "
    r"(?:RUN_FAILURE|RUN_CANCELED) - "
)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class RunEndWatcher:
    """Tells which ended runs the terminal has not shown the end of, as lines to print."""

    def __init__(self, ui_url: str, started_at: float | None = None) -> None:
        self.ui_url = ui_url.rstrip("/")
        self.started_at = time.time() if started_at is None else started_at
        self._told: set[str] = set()

    def saw(self, line: str) -> None:
        """Note a run whose end ``line`` (a line of the output) prints."""
        found = _RUN_END.search(_ANSI.sub("", line))
        if found is not None:
            self._told.add(found.group(1))

    def untold_ends(self, now: float | None = None) -> list[str]:
        """A line for each run that ended more than GRACE_SECONDS ago without its end shown."""
        import httpx

        now = time.time() if now is None else now
        response = httpx.post(
            f"{self.ui_url}/graphql",
            json={"query": _ENDED_RUNS, "variables": {"after": self.started_at}},
            timeout=10,
        )
        runs = response.json()["data"]["runsOrError"].get("results", [])
        lines = []
        for run in runs:
            ended = run.get("endTime")
            if run["runId"] in self._told or ended is None or now - ended < GRACE_SECONDS:
                continue
            self._told.add(run["runId"])
            lines.append(_line(run, ended, self.ui_url))
        return lines


def _line(run: dict, ended: float, ui_url: str) -> str:
    stamp = dt.datetime.fromtimestamp(ended).astimezone().strftime("%Y-%m-%d %H:%M:%S %z")
    event = "RUN_FAILURE" if run["status"] == "FAILURE" else "RUN_CANCELED"
    return (
        f"{stamp} - dagster - ERROR - {run['jobName']} - {run['runId']} - {event} - the run "
        f"ended without reporting it (its worker was killed or died; Dagster's run monitoring "
        f"marked it): {ui_url}/runs/{run['runId']}\n"
    )
