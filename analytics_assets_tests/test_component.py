"""ExtractorsComponent: a team's extractors mounted in its own dg project, beside its other parts.

Instances are loaded as dg loads them (a ``defs`` folder of ``defs.yaml`` files, Dagster's
own test sandbox); their runs write to the session's emulator.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from dagster.components.testing import create_defs_folder_sandbox

from analytics_assets import ExtractorsComponent
from analytics_assets.environment_variables import SettingsError
from analytics_assets.sources.http_api import HttpApi
from analytics_assets.testing import table_rows
from analytics_assets.warehouse.resource import BigQueryWarehouse
from analytics_assets_tests.team_code import DESK_TICKET_EXTRACTOR, install_team_package

TEAM_PACKAGE = "acme_mounted"
MEMBERS = textwrap.dedent('''
    """Members per day, counted from a list (no source)."""
    from dataclasses import dataclass

    from analytics_assets.extract import DateAggregatedExtractor, column


    @dataclass
    class Members:
        members: int = column(differentiate=True)


    class MembersExtractor(DateAggregatedExtractor[Members]):
        """Members at the end of each local day."""

        source = "python"

        def extract(self, start, end):
            yield Members(members=start.day)
''')
TICKETS = (
    textwrap.dedent("""
    import datetime as dt
    from dataclasses import dataclass

    from analytics_assets.extract import IndividualRowsExtractor, http_api
    """)
    + DESK_TICKET_EXTRACTOR
)


@pytest.fixture
def team_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return install_team_package(
        tmp_path / "team", monkeypatch, TEAM_PACKAGE, {"members": MEMBERS}, "acme_site"
    )


def instance_yaml(dataset: str, emulator_url: str = "", **attributes: Any) -> dict[str, Any]:
    """A defs.yaml for an instance in ``local`` writing ``dataset`` on ``emulator_url``."""
    return {
        "type": "analytics_assets.ExtractorsComponent",
        "attributes": {
            "environment": "local",
            "extractor_modules": [f"{TEAM_PACKAGE}.extractors"],
            "first_date": "2024-03-01",
            "timezone": "Europe/Paris",
            "warehouse": {"dataset": dataset, "emulator_url": emulator_url or "http://x.invalid"},
            **attributes,
        },
    }


@contextmanager
def loaded(**instances: dict[str, Any]) -> Iterator[dg.Definitions]:
    """The definitions of a dg project whose defs folder holds ``instances`` (path -> yaml)."""
    with create_defs_folder_sandbox() as sandbox:
        for path, contents in instances.items():
            sandbox.scaffold_component(
                component_cls=ExtractorsComponent, defs_path=path, defs_yaml_contents=contents
            )
        with sandbox.build_all_defs() as defs:
            yield defs


def causes(error: BaseException) -> str:
    """The messages of ``error`` and of the errors it was raised from (dg wraps a component's)."""
    messages = []
    current: BaseException | None = error
    while current is not None:
        messages.append(str(current))
        current = current.__cause__ or current.__context__
    return "\n".join(messages)


def keys(defs: dg.Definitions) -> set[str]:
    return {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}


@pytest.mark.usefixtures("team_package")
def test_two_instances_load_side_by_side_with_their_own_keys_jobs_sensors_and_resources():
    with loaded(sales=instance_yaml("sales"), support=instance_yaml("support")) as defs:
        dg.Definitions.validate_loadable(defs)
        assert keys(defs) == {
            "sales/members",
            "sales/members_delta",
            "support/members",
            "support/members_delta",
        }
        repository = defs.get_repository_def()
        assert {s.name for s in repository.sensor_defs} == {
            "sales_catch_up_missing_days",
            "sales_check_latest_day_on_time",
            "sales_notify_run_failures",
            "support_catch_up_missing_days",
            "support_check_latest_day_on_time",
            "support_notify_run_failures",
        }
        assert {s.name for s in repository.schedule_defs} == {
            "sales_daily_extract_schedule",
            "support_daily_extract_schedule",
        }
        resources = defs.resources or {}
        assert {resources["sales_warehouse"].dataset, resources["support_warehouse"].dataset} == {
            "sales",
            "support",
        }
        graph = defs.resolve_asset_graph()
        view = graph.get(dg.AssetKey(["sales", "members_delta"]))
        assert view.parent_keys == {dg.AssetKey(["sales", "members"])}
        assert graph.get(dg.AssetKey(["sales", "members"])).pools == {
            "bigquery_table_sales_members"
        }


@pytest.mark.usefixtures("team_package")
def test_post_processing_gives_owners_and_tags_and_a_key_prefix_can_be_chosen():
    contents = instance_yaml("analytics", key_prefix=["warehouse", "acme"])
    contents["post_processing"] = {
        "assets": [{"target": "*", "attributes": {"owners": ["team:data"], "tags": {"d": "x"}}}]
    }
    with loaded(analytics=contents) as defs:
        spec = defs.resolve_asset_graph().get(dg.AssetKey(["warehouse", "acme", "members"]))
        assert spec.owners == ["team:data"]
        assert spec.tags["d"] == "x"


@pytest.mark.usefixtures("team_package")
def test_an_instance_writes_a_day_to_its_dataset(bigquery_emulator, bigquery_warehouse):
    dataset = bigquery_warehouse.dataset
    with loaded(analytics=instance_yaml(dataset, bigquery_emulator)) as defs:
        result = dg.materialize(
            list(defs.assets or ()),  # type: ignore[arg-type]
            resources=defs.resources,
            partition_key="2024-03-31",
            instance=dg.DagsterInstance.ephemeral(),
        )
        assert result.success
    assert table_rows(bigquery_warehouse, "members") == [
        {"date": dt.date(2024, 3, 31), "members": 31}
    ]
    assert table_rows(bigquery_warehouse, "members_delta") == [
        {"date": dt.date(2024, 3, 31), "members": 31}
    ]


#: A team's own asset beside the instance, reading one of its tables.
TEAM_ASSET = textwrap.dedent("""
    import dagster as dg


    @dg.asset(deps=[dg.AssetKey(["analytics", "members"])])
    def members_report() -> None:
        pass
""")


@pytest.mark.usefixtures("team_package")
def test_the_team_s_own_assets_depend_on_an_instance_s_tables():
    with create_defs_folder_sandbox() as sandbox:
        sandbox.scaffold_component(
            component_cls=ExtractorsComponent,
            defs_path="analytics",
            defs_yaml_contents=instance_yaml("analytics"),
        )
        (sandbox.defs_folder_path / "reports.py").write_text(TEAM_ASSET)
        with sandbox.build_all_defs() as defs:
            parents = defs.resolve_asset_graph().get(dg.AssetKey("members_report")).parent_keys
    assert parents == {dg.AssetKey(["analytics", "members"])}


@pytest.mark.usefixtures("team_package")
def test_without_first_date_and_timezone_an_instance_is_refused_naming_them():
    contents = instance_yaml("analytics")
    del contents["attributes"]["first_date"], contents["attributes"]["timezone"]
    with pytest.raises(Exception) as refused:  # noqa: SIM117
        with loaded(analytics=contents):
            pass
    assert "ExtractorsComponent (local) needs ['first_date', 'timezone']" in causes(refused.value)


@pytest.mark.usefixtures("team_package")
def test_an_api_token_is_named_by_its_variable_and_its_url_checked(tmp_path, monkeypatch):
    (tmp_path / "team" / TEAM_PACKAGE / "extractors" / "tickets.py").write_text(TICKETS)
    monkeypatch.setenv("ACME_DESK_TOKEN", "desk-secret")
    desk = {"url": "https://desk.example.com/", "token_env": "ACME_DESK_TOKEN"}
    with loaded(analytics=instance_yaml("analytics", sources={"desk_api": desk})) as defs:
        api = (defs.resources or {})["analytics_desk_api"]
        assert isinstance(api, HttpApi)
        assert api.base_url == "https://desk.example.com"
        assert "desk-secret" not in repr(api) and "ACME_DESK_TOKEN" in repr(api)
    leaky = {"url": "https://bot:hunter2@desk.example.com", "token_env": "ACME_DESK_TOKEN"}
    with pytest.raises(Exception) as refused:  # noqa: SIM117
        with loaded(analytics=instance_yaml("analytics", sources={"desk_api": leaky})):
            pass
    assert "sources.desk_api (http_api): url: Value error, the URL holds user info" in causes(
        refused.value
    )
    assert "hunter2" not in causes(refused.value)


def test_a_django_project_folder_is_put_on_the_import_path_and_its_settings_checked(tmp_path):
    component = ExtractorsComponent.model_validate(instance_yaml("analytics")["attributes"])
    settings = component.settings(tmp_path)
    assert (settings.first_date, settings.key_prefix) == (dt.date(2024, 3, 1), ("analytics",))
    from analytics_assets.sources.registry import source_kind

    django = source_kind("django")
    project = tmp_path / "django_project"
    (project / "shop_site").mkdir(parents=True)
    (project / "shop_site" / "__init__.py").write_text("")
    (project / "shop_site" / "settings.py").write_text("")
    orm = django.configured(
        "django", {"settings_module": "shop_site.settings", "project_dir": str(project)}
    )
    assert orm.project_dir == str(project)
    with pytest.raises(SettingsError, match=r"'nowhere\.settings' cannot be imported"):
        django.configured("django", {"settings_module": "nowhere.settings"})


def test_production_needs_a_project_and_refuses_an_emulator():
    attributes = instance_yaml("analytics")["attributes"] | {"environment": "production"}
    attributes["warehouse"]["project"] = "acme-analytics"
    component = ExtractorsComponent.model_validate(attributes)
    with pytest.raises(SettingsError, match=r"warehouse\.emulator_url is set"):
        component.world(component.settings(Path.cwd()))
    attributes["warehouse"] = {"dataset": "analytics"}
    component = ExtractorsComponent.model_validate(attributes)
    with pytest.raises(SettingsError, match=r"needs warehouse\.project"):
        component.world(component.settings(Path.cwd()))


def test_the_demo_environment_mounts_the_demo_shop(tmp_path, monkeypatch):
    monkeypatch.setenv("ANALYTICS_LOCAL_DIR", str(tmp_path))
    contents = {
        "type": "analytics_assets.ExtractorsComponent",
        "attributes": {"environment": "demo"},
    }
    with loaded(demo=contents) as defs:
        assert "analytics/user_delta" in keys(defs)
        warehouse = (defs.resources or {})["analytics_warehouse"]
        assert isinstance(warehouse, BigQueryWarehouse)
        assert warehouse.environment == "demo"


#: A team's own source kind, registered from its own package where its extractors find it.
CRM_KIND = textwrap.dedent('''
    """The CRM the sales team reads: a kind of source of the team's own."""
    from dataclasses import dataclass

    from pydantic import BaseModel

    from analytics_assets.extract import DateAggregatedExtractor, Source
    from analytics_assets.sources.kind import SourceKind
    from analytics_assets.sources.registry import register_source_kind


    class CrmSettings(BaseModel):
        region: str


    @dataclass(frozen=True)
    class Crm:
        region: str

        def deals(self, start, end):
            return {"eu": 4, "us": 7}[self.region]


    register_source_kind(
        SourceKind(
            "crm",
            CrmSettings,
            settings_from_environment=lambda name, variables: None,
            build_resource=lambda name, settings: Crm(settings.region),
        )
    )
    CRM = Source("crm", "crm")


    @dataclass
    class Deals:
        deals: int


    class DealsExtractor(DateAggregatedExtractor[Deals]):
        source = CRM

        def extract(self, start, end):
            yield Deals(self.resources["crm"].deals(start, end))
''')


@pytest.mark.usefixtures("team_package")
def test_a_source_kind_of_the_team_s_own_is_configured_from_the_yaml(
    tmp_path, bigquery_emulator, bigquery_warehouse
):
    (tmp_path / "team" / TEAM_PACKAGE / "extractors" / "deals.py").write_text(CRM_KIND)
    contents = instance_yaml(
        bigquery_warehouse.dataset, bigquery_emulator, sources={"crm": {"region": "us"}}
    )
    with loaded(analytics=contents) as defs:
        result = dg.materialize(
            [a for a in defs.assets or () if "deals" in str(a.key)],  # type: ignore[union-attr]
            resources=defs.resources,
            partition_key="2024-03-31",
        )
        assert result.success
    assert table_rows(bigquery_warehouse, "deals") == [{"date": dt.date(2024, 3, 31), "deals": 7}]
