"""The resources of this code location, built from settings: warehouse, IO manager, sources."""

from __future__ import annotations

from typing import Any

from analytics_assets.settings import EMULATOR_PROJECT, Settings
from analytics_assets.sources.django_orm import DjangoORM
from analytics_assets.warehouse.io_manager import BigQueryRowsIOManager
from analytics_assets.warehouse.resource import BigQueryWarehouse


def warehouse_from_settings(settings: Settings) -> BigQueryWarehouse:
    """Real BigQuery when BIGQUERY_PROJECT is set; else an emulator (external or embedded)."""
    if settings.bigquery_project:
        return BigQueryWarehouse(
            project=settings.bigquery_project,
            dataset=settings.bigquery_dataset,
            location=settings.bigquery_location,
        )
    return BigQueryWarehouse(
        project=EMULATOR_PROJECT,
        dataset=settings.bigquery_dataset,
        location=settings.bigquery_location,
        emulator_url=settings.bigquery_emulator_url,
        embedded_emulator_dir=None
        if settings.bigquery_emulator_url
        else str(settings.emulator_data_dir),
        embedded_emulator_port=settings.emulator_port,
    )


def table_prefix(warehouse: BigQueryWarehouse) -> str:
    return f"{warehouse.project}.{warehouse.dataset}"


def build_resources(settings: Settings) -> dict[str, Any]:
    warehouse = warehouse_from_settings(settings)
    return {
        "warehouse": warehouse,
        "bigquery_io_manager": BigQueryRowsIOManager(warehouse=warehouse),
        "django": DjangoORM(settings_module=settings.django_settings_module),
    }
