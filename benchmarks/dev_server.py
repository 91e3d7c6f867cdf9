"""A running ``analytics-assets dev`` as the first-start benchmark watches it: its GraphQL answers.

Everything is read from the dev server's own GraphQL endpoint (the UI's data): each asset's
partition counts, the catch-up sensor's ticks, the backfills and the runs with their
creation, start and end times, so scheduling latency is seen exactly as a user would.
(The catch-up sensor requests runs; backfills appear when ``--checkout`` measures a commit
up to ebe6a98, whose sensor launched a backfill per chunk.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from analytics_assets.automation.catch_up import SENSOR_NAME

PARTITIONS = """
{ assetNodes { assetKey { path } partitionStats {
    numMaterialized numPartitions numFailed numMaterializing } } }
"""
RUNS = """
{ runsOrError(limit: 500) { ... on Runs { results {
    runId status creationTime startTime endTime tags { key value } } } } }
"""
BACKFILLS = """
{ partitionBackfillsOrError(limit: 500) { ... on PartitionBackfills { results {
    id timestamp } } } }
"""
TICKS = """
query($selector: SensorSelector!) { sensorOrError(sensorSelector: $selector) {
  ... on Sensor { sensorState { ticks(limit: 500) { timestamp status } } } } }
"""


@dataclass(frozen=True)
class AssetStatus:
    asset: str
    materialized: int
    partitions: int
    failed: int
    in_progress: int


@dataclass(frozen=True)
class RunTimes:
    run_id: str
    status: str
    created: float
    started: float | None
    ended: float | None
    tags: dict[str, str]


class DevServer:
    """GraphQL of the dev server at ``url`` (``http://host:port``)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._client = httpx.Client(timeout=30)

    def close(self) -> None:
        self._client.close()

    def _query(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self._client.post(
            f"{self.url}/graphql", json={"query": query, "variables": variables or {}}
        )
        response.raise_for_status()
        body = response.json()
        if body.get("errors"):
            raise RuntimeError(f"GraphQL errors: {body['errors']}")
        return body["data"]

    def answers(self) -> bool:
        try:
            return self._client.get(f"{self.url}/server_info", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def partitions(self) -> list[AssetStatus]:
        nodes = self._query(PARTITIONS)["assetNodes"]
        return [
            AssetStatus(
                "/".join(node["assetKey"]["path"]),
                stats["numMaterialized"],
                stats["numPartitions"],
                stats["numFailed"],
                stats["numMaterializing"],
            )
            for node in nodes
            if (stats := node["partitionStats"]) is not None
        ]

    def runs(self) -> list[RunTimes]:
        results = self._query(RUNS)["runsOrError"]["results"]
        return sorted(
            (
                RunTimes(
                    r["runId"],
                    r["status"],
                    r["creationTime"],
                    r["startTime"],
                    r["endTime"],
                    {t["key"]: t["value"] for t in r["tags"]},
                )
                for r in results
            ),
            key=lambda run: run.created,
        )

    def backfill_times(self) -> list[float]:
        data = self._query(BACKFILLS)["partitionBackfillsOrError"]
        return sorted(b["timestamp"] for b in data.get("results", []))

    def sensor_ticks(self, location: str = "analytics_assets") -> list[tuple[float, str]]:
        selector = {
            "repositoryLocationName": location,
            "repositoryName": "__repository__",
            "sensorName": SENSOR_NAME,
        }
        data = self._query(TICKS, {"selector": selector})["sensorOrError"]
        ticks = (data.get("sensorState") or {}).get("ticks") or []
        return sorted((t["timestamp"], t["status"]) for t in ticks)

    def milestones(self, since: float, runs: list[RunTimes]) -> dict[str, float]:
        """Seconds from the instant ``since`` to the catch-up's first tick, backfill and run."""
        found: dict[str, float] = {}
        ticks = self.sensor_ticks()
        if ticks:
            found["first sensor tick"] = ticks[0][0] - since
        backfills = self.backfill_times()
        if backfills:
            found["first backfill"] = backfills[0] - since
        if runs:
            found["first run created"] = runs[0].created - since
            starts = [r.started for r in runs if r.started]
            ends = [r.ended for r in runs if r.ended]
            if starts:
                found["first run started"] = min(starts) - since
            if ends:
                found["last run ended"] = max(ends) - since
        return found
