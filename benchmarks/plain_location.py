"""The reference of the code-location load: the same definitions written with plain Dagster.

:func:`describe` reads what our location built (every asset's spec, every check, the
schedule, the sensors, the resources) into plain JSON; :func:`plain_definitions` builds the
same Dagster objects from it with ``dagster`` alone, as a data engineer would write them by
hand: one ``@dg.asset`` per asset with the same partitions, backfill policy, pool,
freshness policy, kinds, owners, tags, metadata (column schemas, table names, view SQL)
and resources; one subsettable ``@dg.multi_asset_check`` of partitioned specs per table;
an asset job with its partitioned schedule, a sensor over every asset and a run-failure
sensor; a configurable warehouse, IO manager and source resources; each extract asset
calling its table's extraction in the team's modules, when given. The process that builds it
imports no ``analytics_assets`` code, so the difference is what our assembly costs.
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

# -- what our location built, as plain data (read in the process that loads ours) ----------


def _metadata_value(value: Any) -> list[Any]:
    if isinstance(value, dg.TableSchema):
        return ["schema", [_column(c) for c in value.columns]]
    if isinstance(value, dg.MarkdownMetadataValue):
        return ["md", value.md_str]
    return ["text", str(getattr(value, "value", value))]


def _column(column: dg.TableColumn) -> dict[str, Any]:
    return {
        "name": column.name,
        "type": column.type,
        "description": column.description,
        "nullable": column.constraints.nullable,
        "tags": column.tags or None,
    }


def _asset(asset: dg.AssetsDefinition) -> dict[str, Any]:
    spec = next(iter(asset.specs))
    io_manager_key = asset.get_io_manager_key_for_asset_key(spec.key)
    freshness = spec.freshness_policy
    return {
        "name": spec.key.to_user_string(),
        "deps": [dep.asset_key.to_user_string() for dep in spec.deps],
        "description": spec.description,
        "group": spec.group_name,
        "kinds": sorted(spec.kinds),
        "owners": list(spec.owners),
        "tags": {k: v for k, v in spec.tags.items() if not k.startswith("dagster/kind/")},
        "metadata": {k: _metadata_value(v) for k, v in spec.metadata.items()},
        "pool": asset.op.pool,
        "io_manager_key": io_manager_key,
        "resource_keys": sorted(set(asset.required_resource_keys) - {io_manager_key}),
        "fresh": freshness is not None,
    }


def _checks(checks: dg.AssetChecksDefinition) -> dict[str, Any]:
    return {
        "name": checks.node_def.name,
        "specs": [
            [spec.name, spec.asset_key.to_user_string(), spec.description]
            for spec in checks.check_specs
        ],
    }


def describe(defs: dg.Definitions, settings: Any, path: Path) -> None:
    """Write what ``defs`` (built from ``settings``) holds, for :func:`plain_definitions`."""
    (schedule,) = defs.schedules or []
    sensors = {sensor.name: sensor for sensor in defs.sensors or []}
    catch_up = sensors["catch_up_missing_days"]
    assert isinstance(catch_up, dg.SensorDefinition)
    description = {
        "first_date": settings.first_date.isoformat(),
        "timezone": settings.timezone,
        "fresh_by_hour": settings.fresh_by_hour,
        "daily": [settings.daily_hour, settings.daily_minute],
        "schedule": schedule.name,
        "sensors": {
            name: [sensor.minimum_interval_seconds, sensor.description]
            for name, sensor in sensors.items()
        },
        "assets": [_asset(asset) for asset in defs.assets or []],  # type: ignore[arg-type]
        "checks": [_checks(checks) for checks in defs.asset_checks or []],  # type: ignore[arg-type]
        "resources": {
            key: [cls.__name__ for cls in type(value).__mro__]
            for key, value in (defs.resources or {}).items()
        },
        "metadata": {key: str(value.value) for key, value in (defs.metadata or {}).items()},
    }
    path.write_text(json.dumps(description))


# -- the same definitions with plain Dagster (read in the reference's own fresh process) ----


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
    fresh: dg.FreshnessPolicy | None,
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
        "freshness_policy": fresh if a["fresh"] else None,
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
        dg.AssetCheckSpec(name, asset=asset, description=text, partitions_def=partitions)
        for name, asset, text in c["specs"]
    ]

    @dg.multi_asset_check(name=c["name"], specs=specs, can_subset=True)
    def checks(
        context: dg.AssetCheckExecutionContext, warehouse: Warehouse
    ) -> Iterator[dg.AssetCheckEvaluation]:
        yield from ()

    return checks


def plain_definitions(path: Path, team: Mapping[str, Extraction] | None = None) -> dg.Definitions:
    """The definitions :func:`describe` wrote, built with plain Dagster; an extract asset
    calls the team's extraction of its table in ``team``, where there is one."""
    d = json.loads(path.read_text())
    partitions = dg.DailyPartitionsDefinition(start_date=d["first_date"], timezone=d["timezone"])
    fresh = dg.FreshnessPolicy.cron(
        deadline_cron=f"0 {d['fresh_by_hour']} * * *",
        lower_bound_delta=dt.timedelta(hours=d["fresh_by_hour"]),
        timezone=d["timezone"],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        warnings.simplefilter("ignore", dg.PreviewWarning)
        assets = [
            _plain_asset(a, partitions, fresh, (team or {}).get(a["name"])) for a in d["assets"]
        ]
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
    catch_up_interval, catch_up_text = d["sensors"].pop("catch_up_missing_days")
    ((failure_name, (_, failure_text)),) = d["sensors"].items()

    @dg.sensor(
        name="catch_up_missing_days",
        asset_selection=keys,
        minimum_interval_seconds=catch_up_interval,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=catch_up_text,
    )
    def catch_up(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        return dg.SensorResult(run_requests=[])

    @dg.run_failure_sensor(
        name=failure_name, default_status=dg.DefaultSensorStatus.RUNNING, description=failure_text
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
        sensors=[catch_up, notify],
        resources=resources,
        executor=dg.in_process_executor,
        metadata=d["metadata"],
    )
