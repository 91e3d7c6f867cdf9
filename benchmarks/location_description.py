"""What our code location built, as plain JSON: the description the load benchmark's plain
Dagster reference (:mod:`benchmarks.plain_location`) is built from.

:func:`describe` runs in the process that loads ours and reads every asset's spec (deps,
group, kinds, owners, tags, metadata with column schemas, pool, IO manager and resource
keys), every check (partitioned or not), the schedule, the sensors and the resources.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import dagster as dg


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
    }


def _checks(checks: dg.AssetChecksDefinition) -> dict[str, Any]:
    return {
        "name": checks.node_def.name,
        "specs": [
            [
                spec.name,
                spec.asset_key.to_user_string(),
                spec.description,
                spec.partitions_def is not None,
            ]
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
