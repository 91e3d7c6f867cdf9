"""The reference of the code-location load: the same definitions written with plain Dagster.

:func:`plain_definitions` builds, from the JSON description of what our location built
(:mod:`benchmarks.location_description`), the same Dagster objects with ``dagster`` alone,
as a data engineer would write them by hand: one ``@dg.asset`` per asset with the same
partitions, backfill policy, pool, kinds, owners, tags, metadata (column schemas, table names,
view SQL) and resources; one subsettable ``@dg.multi_asset_check`` per group of checks
(partitioned specs where ours are); an asset job with its partitioned schedule, a sensor over
every asset for each of our sensors and a run-failure sensor; a configurable warehouse, IO
manager and source resources; each extract asset calling its table's extraction in the
team's modules, when given. The process that builds it imports no ``analytics_assets`` code,
so the difference is what our assembly costs.
"""

# No `from __future__ import annotations`: Dagster reads the context annotations at runtime.

import datetime as dt
import json
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg


class Warehouse(dg.ConfigurableResource):
    """A BigQuery dataset."""

    project: str
    dataset: str
    location: str = "EU"
    emulator_url: str | None = None
    maximum_bytes_billed: int | None = None


class RowsIOManager(dg.ConfigurableIOManager):
    """Writes an extract asset's rows to its table."""

    warehouse: Warehouse

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        raise NotImplementedError

    def load_input(self, context: dg.InputContext) -> Any:
        raise NotImplementedError


class DatabaseSource(dg.ConfigurableResource):
    """A database read by extract assets."""

    settings_module: str


class ApiSource(dg.ConfigurableResource):
    """An HTTP API read by extract assets."""

    base_url: str
    token: str | None = None
    timeout_seconds: float = 30.0
    max_requests_per_second: float = 10.0
    max_attempts: int = 8


@dataclass
class Rows:
    """What an extract asset hands its IO manager."""

    days: list[dt.date]
    rows: list[Any]


#: A team's extraction of one table: ``(start, end)`` -> its rows.
Extraction = Callable[[dt.datetime, dt.datetime], Iterable[Any]]


_RESOURCES = {
    "BigQueryRowsIOManager": lambda: RowsIOManager(warehouse=Warehouse(project="p", dataset="d")),
    "BigQueryWarehouse": lambda: Warehouse(project="p", dataset="d"),
    "DjangoORM": lambda: DatabaseSource(settings_module="app.settings"),
    "HttpApi": lambda: ApiSource(base_url="https://example.com"),
}


def _metadata(described: dict[str, list[Any]]) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    for key, (kind, value) in described.items():
        if kind == "schema":
            metadata[key] = dg.TableSchema(
                columns=[
                    dg.TableColumn(
                        name=c["name"],
                        type=c["type"],
                        description=c["description"],
                        constraints=dg.TableColumnConstraints(nullable=c["nullable"]),
                        tags=c["tags"],
                    )
                    for c in value
                ]
            )
        else:
            metadata[key] = dg.MetadataValue.md(value) if kind == "md" else value
    return metadata


def _plain_asset(
    a: dict[str, Any],
    partitions: dg.PartitionsDefinition,
    read: Extraction | None,
) -> dg.AssetsDefinition:
    common: dict[str, Any] = {
        "name": a["name"],
        "deps": a["deps"] or None,
        "partitions_def": partitions,
        "backfill_policy": dg.BackfillPolicy.single_run(),
        "kinds": set(a["kinds"]),
        "owners": a["owners"] or None,
        "group_name": a["group"],
        "pool": a["pool"],
        "description": a["description"],
        "tags": a["tags"] or None,
        "metadata": _metadata(a["metadata"]),
    }
    if "warehouse" in a["resource_keys"]:  # a view: its work is a query through the warehouse

        @dg.asset(**common)
        def view(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
            return dg.MaterializeResult()

        assert isinstance(view, dg.AssetsDefinition)
        return view

    @dg.asset(
        **common, io_manager_key=a["io_manager_key"], required_resource_keys=set(a["resource_keys"])
    )
    def extract(context: dg.AssetExecutionContext) -> Rows:
        start, end = context.partition_time_window
        return Rows(days=[], rows=[] if read is None else list(read(start, end)))

    assert isinstance(extract, dg.AssetsDefinition)
    return extract


def _plain_checks(
    c: dict[str, Any], partitions: dg.PartitionsDefinition
) -> dg.AssetChecksDefinition:
    specs = [
        dg.AssetCheckSpec(
            name, asset=asset, description=text, partitions_def=partitions if daily else None
        )
        for name, asset, text, daily in c["specs"]
    ]

    @dg.multi_asset_check(name=c["name"], specs=specs, can_subset=True)
    def checks(
        context: dg.AssetCheckExecutionContext, warehouse: Warehouse
    ) -> Iterator[dg.AssetCheckEvaluation]:
        yield from ()

    return checks


_FAILURE_SENSOR = "notify_run_failures"


def _plain_sensor(
    name: str, keys: list[dg.AssetKey], interval: int, text: str | None
) -> dg.SensorDefinition:
    @dg.sensor(
        name=name,
        asset_selection=keys,
        minimum_interval_seconds=interval,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=text,
    )
    def sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        return dg.SensorResult(run_requests=[])

    return sensor


def plain_definitions(path: Path, team: Mapping[str, Extraction] | None = None) -> dg.Definitions:
    """The definitions :func:`describe` wrote, built with plain Dagster; an extract asset
    calls the team's extraction of its table in ``team``, where there is one."""
    d = json.loads(path.read_text())
    partitions = dg.DailyPartitionsDefinition(start_date=d["first_date"], timezone=d["timezone"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        warnings.simplefilter("ignore", dg.PreviewWarning)
        assets = [_plain_asset(a, partitions, (team or {}).get(a["name"])) for a in d["assets"]]
        checks = [_plain_checks(c, partitions) for c in d["checks"]]
    keys = [asset.key for asset in assets]
    hour, minute = d["daily"]
    job = dg.define_asset_job(
        "daily_extract", selection=dg.AssetSelection.assets(*keys), description="every asset"
    )
    schedule = dg.build_schedule_from_partitioned_job(
        job,
        hour_of_day=hour,
        minute_of_hour=minute,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        name=d["schedule"],
    )
    _, failure_text = d["sensors"].pop(_FAILURE_SENSOR)
    sensors = [_plain_sensor(name, keys, *described) for name, described in d["sensors"].items()]

    @dg.run_failure_sensor(
        name=_FAILURE_SENSOR,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=failure_text,
    )
    def notify(context: dg.RunFailureSensorContext) -> None:
        return None

    resources: dict[str, Any] = {}
    for key, classes in d["resources"].items():  # each by the first of its classes known here
        kind = next(name for name in classes if name in _RESOURCES)
        resources[key] = _RESOURCES[kind]()
    return dg.Definitions(
        assets=assets,
        asset_checks=checks,
        schedules=[schedule],
        sensors=[*sensors, notify],
        resources=resources,
        executor=dg.in_process_executor,
        metadata=d["metadata"],
    )
