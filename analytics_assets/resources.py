"""The resources of this code location, built from settings: warehouse, IO manager, sources."""

from __future__ import annotations

from typing import Any

import dagster as dg

from analytics_assets.demo.support_api import DemoSupportApi
from analytics_assets.extractors.support_ticket import SUPPORT_API
from analytics_assets.settings import (
    DEMO_SUPPORT_API_TOKEN,
    EMULATOR_PROJECT,
    SUPPORT_API_TOKEN_ENV,
    Settings,
)
from analytics_assets.sources.django_orm import DjangoORM
from analytics_assets.sources.http_api import HttpApi
from analytics_assets.warehouse.io_manager import BigQueryRowsIOManager
from analytics_assets.warehouse.resource import BigQueryWarehouse


def dataset_config(settings: Settings) -> dict[str, Any]:
    """The warehouse's dataset: name, location, and governance (description, labels, groups)."""
    return {
        "dataset": settings.bigquery_dataset,
        "location": settings.bigquery_location,
        "dataset_description": settings.bigquery_dataset_description,
        "dataset_labels": dict(settings.bigquery_dataset_labels),
        "reader_groups": list(settings.bigquery_reader_groups),
        "writer_groups": list(settings.bigquery_writer_groups),
    }


def warehouse_from_settings(settings: Settings) -> BigQueryWarehouse:
    """Real BigQuery when BIGQUERY_PROJECT is set; else an emulator (external or embedded)."""
    if settings.bigquery_project:
        return BigQueryWarehouse(project=settings.bigquery_project, **dataset_config(settings))
    return BigQueryWarehouse(
        project=EMULATOR_PROJECT,
        **dataset_config(settings),
        emulator_url=settings.bigquery_emulator_url,
        embedded_emulator_dir=None
        if settings.bigquery_emulator_url
        else str(settings.emulator_data_dir),
        embedded_emulator_port=settings.emulator_port,
    )


def table_prefix(warehouse: BigQueryWarehouse) -> str:
    return f"{warehouse.project}.{warehouse.dataset}"


def support_api_from_settings(settings: Settings) -> HttpApi:
    """The support desk's API at ANALYTICS_SUPPORT_API_URL, else the demo API served locally.

    The token is passed as ``dg.EnvVar``: the UI and run config show the variable's name.
    """
    token: Any = dg.EnvVar(SUPPORT_API_TOKEN_ENV) if settings.support_api_token else None
    rate = settings.support_api_max_requests_per_second
    if settings.support_api_url:
        return HttpApi(base_url=settings.support_api_url, token=token, max_requests_per_second=rate)
    return DemoSupportApi(token=token or DEMO_SUPPORT_API_TOKEN, max_requests_per_second=rate)


def build_resources(settings: Settings) -> dict[str, Any]:
    warehouse = warehouse_from_settings(settings)
    return {
        "warehouse": warehouse,
        "bigquery_io_manager": BigQueryRowsIOManager(warehouse=warehouse),
        "django": DjangoORM(settings_module=settings.django_settings_module),
        SUPPORT_API: support_api_from_settings(settings),
    }
