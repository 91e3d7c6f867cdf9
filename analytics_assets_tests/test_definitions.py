"""The code location loads as users see it in the UI, and settings choose the warehouse."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest

from analytics_assets.definitions import build_definitions
from analytics_assets.environments import load_world
from analytics_assets.extract import last_complete_day
from analytics_assets.local.warehouse import EmbeddedEmulatorWarehouse
from analytics_assets.settings import SettingsError, load_settings
from analytics_assets.warehouse.resource import BigQueryWarehouse
from analytics_assets_tests.paths import REPO_ROOT
from analytics_assets_tests.processes import run_python

EXTRACTS = {"user", "contract", "email", "support_ticket"}
DELTA_VIEWS = {"user_delta", "contract_delta"}


@pytest.fixture
def location_env(monkeypatch, tmp_path):
    monkeypatch.setenv("ANALYTICS_FIRST_DATE", "2024-01-01")
    monkeypatch.setenv("ANALYTICS_TIMEZONE", "America/New_York")
    monkeypatch.setenv("ANALYTICS_LOCAL_DIR", str(tmp_path))
    for name in ("BIGQUERY_PROJECT", "BIGQUERY_EMULATOR_URL", "BIGQUERY_DATASET"):
        monkeypatch.delenv(name, raising=False)


def _asset_graph(defs: dg.Definitions):
    return defs.resolve_asset_graph()


@pytest.mark.usefixtures("location_env")
def test_every_extractor_is_an_asset_and_every_differentiated_one_has_a_delta_view():
    graph = _asset_graph(build_definitions())
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert keys == EXTRACTS | DELTA_VIEWS
    for view in DELTA_VIEWS:
        parents = graph.get(dg.AssetKey(view)).parent_keys
        assert parents == {dg.AssetKey(view.removesuffix("_delta"))}


@pytest.mark.usefixtures("location_env")
def test_partitions_are_local_days_from_first_date_to_the_last_complete_day():
    graph = _asset_graph(build_definitions())
    partitions = graph.get(dg.AssetKey("user")).partitions_def
    assert isinstance(partitions, dg.DailyPartitionsDefinition)
    assert partitions.timezone == "America/New_York"
    keys = partitions.get_partition_keys()
    assert keys[0] == "2024-01-01"
    yesterday = last_complete_day(dt.datetime.now(dt.UTC), load_settings().tz)
    assert keys[-1] == yesterday.isoformat()
    for key in EXTRACTS | DELTA_VIEWS:
        assert graph.get(dg.AssetKey(key)).partitions_def == partitions


@pytest.mark.usefixtures("location_env")
def test_every_asset_writes_a_backfill_range_in_one_run():
    graph = _asset_graph(build_definitions())
    for key in EXTRACTS | DELTA_VIEWS:
        assert graph.get(dg.AssetKey(key)).backfill_policy == dg.BackfillPolicy.single_run()


@pytest.mark.usefixtures("location_env")
def test_definitions_load_without_connecting_to_bigquery():
    defs = build_definitions()
    dg.Definitions.validate_loadable(defs)
    warehouse = (defs.resources or {})["warehouse"]
    assert isinstance(warehouse, BigQueryWarehouse)
    assert warehouse._client is None


@pytest.mark.usefixtures("location_env")
def test_the_demo_default_is_the_embedded_emulator_in_the_local_folder(tmp_path):
    warehouse = load_world(load_settings()).warehouse
    assert isinstance(warehouse, EmbeddedEmulatorWarehouse)
    assert warehouse.data_dir == str(tmp_path / "bigquery")
    assert warehouse.emulator_url is None
    assert (warehouse.dataset, warehouse.environment) == ("analytics", "demo")


@pytest.mark.usefixtures("location_env")
@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("ANALYTICS_FIRST_DATE", "01/02/2024", "ANALYTICS_FIRST_DATE='01/02/2024' is not a date"),
        ("ANALYTICS_TIMEZONE", "Paris", "ANALYTICS_TIMEZONE='Paris' is not an IANA time zone"),
        ("ANALYTICS_EMULATOR_PORT", "ninety", "ANALYTICS_EMULATOR_PORT='ninety' is not an integer"),
        ("ANALYTICS_ENV", "staging", "ANALYTICS_ENV='staging' is not one of demo, local"),
    ],
)
def test_a_bad_setting_is_refused_naming_the_variable(monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=message):
        load_world(load_settings())


@pytest.mark.usefixtures("location_env")
def test_each_table_has_one_writer_at_a_time_through_its_pool():
    graph = _asset_graph(build_definitions())
    for key in EXTRACTS:
        assert graph.get(dg.AssetKey(key)).pools == {f"bigquery_table_{key}"}
    local = dg.DagsterInstance.from_config(str(REPO_ROOT))
    try:
        assert local.get_concurrency_config().pool_config.default_pool_limit == 1
    finally:
        local.dispose()


@pytest.mark.usefixtures("location_env")
def test_automation_is_on_by_default_and_can_be_switched_off(monkeypatch):
    defs = build_definitions()
    statuses = [defs.resolve_schedule_def("daily_extract_schedule").default_status] + [
        defs.resolve_sensor_def(name).default_status
        for name in ("catch_up_missing_days", "check_latest_day_on_time", "notify_run_failures")
    ]
    assert {status.value for status in statuses} == {"RUNNING"}
    monkeypatch.setenv("ANALYTICS_AUTOMATION_RUNNING", "false")
    defs = build_definitions()
    assert defs.resolve_schedule_def("daily_extract_schedule").default_status.value == "STOPPED"
    for name in ("catch_up_missing_days", "check_latest_day_on_time"):
        assert defs.resolve_sensor_def(name).default_status.value == "STOPPED"


#: Libraries a run or a sensor needs but loading the code location does not: each load (the
#: UI's code server, every launched run) would pay their import (1.5 s for BigQuery and its
#: pandas, 0.2 s each for pyarrow and httpx, 0.1-0.2 s each for the HTTP rate limiter and
#: Dagster's backfill machinery).
IMPORTED_ON_FIRST_USE = (
    "google.cloud.bigquery",
    "pandas",
    "django.db.models",
    "pyarrow",
    "httpx",
    "pyrate_limiter",
    "dagster._core.execution.backfill",
)


def test_loading_the_code_location_leaves_heavy_run_libraries_unimported(tmp_path):
    probe = (
        "import sys\n"
        "from analytics_assets.definitions import defs\n"
        "defs.get_repository_def().get_all_jobs()\n"
        f"print([name for name in {IMPORTED_ON_FIRST_USE!r} if name in sys.modules])\n"
    )
    done = run_python(probe, ANALYTICS_LOCAL_DIR=str(tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.usefixtures("location_env")
def test_runs_of_days_leave_the_freshness_checks_to_the_sensor():
    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    freshness = {key for key in graph.asset_check_keys if key.name == "latest_day_on_time"}
    assert {key.asset_key.to_user_string() for key in freshness} == {
        "user",
        "contract",
        "email",
        "support_ticket",
    }  # the extractors, not their delta views
    daily = defs.resolve_job_def("daily_extract")
    planned = daily.asset_layer.asset_graph.asset_check_keys
    assert planned and not planned & freshness


@pytest.mark.usefixtures("location_env")
def test_every_asset_has_owners_and_every_column_a_description():
    graph = build_definitions().resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.owners == ["team:analytics"], key  # a delta view: its table's owners
        columns = node.metadata["dagster/column_schema"].columns
        assert [c.name for c in columns if not c.description] == [], key
