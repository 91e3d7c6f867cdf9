"""ANALYTICS_ENV is one switch: the demo by default, a team's own extractors and sources elsewhere,
and in production nothing with a demo or emulator default, refused when the location loads."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

from analytics_assets.environment_variables import SettingsError
from analytics_assets.environments import load_world
from analytics_assets.local.warehouse import EmbeddedEmulatorWarehouse
from analytics_assets.settings import Environment, load_settings
from analytics_assets.sources.django_orm import DjangoORM
from analytics_assets.sources.http_api import HttpApi
from analytics_assets.warehouse.resource import BigQueryWarehouse
from analytics_assets_tests.keys import service_account_key
from analytics_assets_tests.processes import run_command, run_python
from analytics_assets_tests.team_code import DESK_TICKET_EXTRACTOR, install_team_package

TEAM_PACKAGE = "acme_analytics"
TEAM_EXTRACTORS = (
    textwrap.dedent('''
    """A team's extractors: orders from its Django app, tickets from its help desk's API."""
    import datetime as dt
    from dataclasses import dataclass

    from analytics_assets.extract import (
        DateAggregatedExtractor,
        IndividualRowsExtractor,
        column,
        http_api,
    )


    @dataclass
    class Order:
        orders: int = column(differentiate=True)


    class OrderExtractor(DateAggregatedExtractor[Order]):
        """Orders placed up to the end of each day."""

        def extract(self, start, end):
            yield Order(orders=0)
    ''')
    + DESK_TICKET_EXTRACTOR
)


@pytest.fixture
def team_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``acme_analytics.extractors`` in a folder on the import path, as a team's code is."""
    return install_team_package(
        tmp_path / "team", monkeypatch, TEAM_PACKAGE, {"sales": TEAM_EXTRACTORS}, "acme_site"
    )


def production(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    """A complete production environment for the team package; None removes a variable."""
    environ = {
        "ANALYTICS_ENV": "production",
        "ANALYTICS_FIRST_DATE": "2026-01-01",
        "ANALYTICS_TIMEZONE": "America/New_York",
        "ANALYTICS_LOCAL_DIR": str(tmp_path / "local"),
        "BIGQUERY_PROJECT": "acme-analytics",
        "ANALYTICS_EXTRACTOR_MODULES": f"{TEAM_PACKAGE}.extractors",
        "DJANGO_SETTINGS_MODULE": "acme_site.settings",
        "ANALYTICS_DESK_API_URL": "https://desk.example.com",
        "ANALYTICS_DESK_API_TOKEN": "desk-secret",
        "BIGQUERY_CREDENTIALS_JSON": service_account_key(),
    }
    environ.update(overrides)  # type: ignore[arg-type]
    return {name: value for name, value in environ.items() if value is not None}


def world_of(environ: dict[str, str]):
    return load_world(load_settings(environ), environ)


@pytest.mark.usefixtures("team_package")
def test_production_is_real_bigquery_with_the_team_s_extractors_and_sources(tmp_path):
    world = world_of(production(tmp_path))
    assert world.environment is Environment.PRODUCTION
    assert type(world.warehouse) is BigQueryWarehouse
    assert (world.warehouse.project, world.warehouse.emulator_url) == ("acme-analytics", None)
    assert world.warehouse.environment == "production"
    assert [cls.table.name for cls in world.extractors] == ["desk_ticket", "order"]
    assert {name: type(resource) for name, resource in world.sources.items()} == {
        "django": DjangoORM,
        "desk_api": HttpApi,
    }
    assert world.sources["django"].settings_module == "acme_site.settings"
    desk = world.sources["desk_api"]
    assert desk.base_url == "https://desk.example.com"
    # The token reaches the resource as the variable's name, never as its value.
    assert "desk-secret" not in repr(desk) and "ANALYTICS_DESK_API_TOKEN" in repr(desk)


MISSING_MESSAGES = {
    "ANALYTICS_FIRST_DATE": "ANALYTICS_FIRST_DATE (the first day to extract, YYYY-MM-DD)",
    "ANALYTICS_TIMEZONE": (
        "ANALYTICS_TIMEZONE (the IANA zone of your local days, e.g. Europe/Paris)"
    ),
    "BIGQUERY_PROJECT": "BIGQUERY_PROJECT (the Google Cloud project of the warehouse)",
    "ANALYTICS_EXTRACTOR_MODULES": (
        "ANALYTICS_EXTRACTOR_MODULES (your extractor modules or packages, comma-separated)"
    ),
    "DJANGO_SETTINGS_MODULE": (
        "DJANGO_SETTINGS_MODULE (the Django settings module of your application)"
    ),
    "ANALYTICS_DESK_API_URL": "ANALYTICS_DESK_API_URL (the root URL of the desk_api API)",
    "ANALYTICS_DESK_API_TOKEN": "ANALYTICS_DESK_API_TOKEN (the credential of the desk_api API)",
}


@pytest.mark.usefixtures("team_package")
@pytest.mark.parametrize("variable", sorted(MISSING_MESSAGES))
def test_production_without_a_required_variable_is_refused_at_load_naming_it(tmp_path, variable):
    with pytest.raises(SettingsError) as refused:
        world_of(production(tmp_path, **{variable: None}))
    assert str(refused.value) == (
        "ANALYTICS_ENV=production needs these environment variables, unset: "
        + MISSING_MESSAGES[variable]
    )


def test_a_project_without_django_settings_fails_validation_naming_django_settings(tmp_path):
    environ = production(tmp_path, ANALYTICS_EXTRACTOR_MODULES=None, DJANGO_SETTINGS_MODULE=None)
    with pytest.raises(SettingsError, match="DJANGO_SETTINGS_MODULE"):
        world_of(environ)


def test_a_project_set_in_the_demo_is_refused_rather_than_writing_the_demo_there(tmp_path):
    environ = {"ANALYTICS_LOCAL_DIR": str(tmp_path), "BIGQUERY_PROJECT": "acme-analytics"}
    with pytest.raises(SettingsError) as refused:
        world_of(environ)
    message = str(refused.value)
    assert message.startswith(
        "BIGQUERY_PROJECT='acme-analytics' is set, but ANALYTICS_ENV=demo writes to the "
        "embedded BigQuery emulator; set ANALYTICS_ENV=production"
    )
    assert "DJANGO_SETTINGS_MODULE" in message


@pytest.mark.usefixtures("team_package")
def test_the_demo_s_modules_or_an_emulator_are_refused_outside_the_demo(tmp_path):
    demo = production(tmp_path, ANALYTICS_EXTRACTOR_MODULES="analytics_assets.demo.extractors")
    with pytest.raises(SettingsError, match=r"only run in the demo \(ANALYTICS_ENV=demo\)"):
        world_of(demo)
    emulator = production(tmp_path, BIGQUERY_EMULATOR_URL="http://127.0.0.1:9050")
    with pytest.raises(SettingsError, match="BIGQUERY_EMULATOR_URL is set, but"):
        world_of(emulator)


@pytest.mark.usefixtures("team_package")
def test_local_runs_the_team_s_extractors_on_the_embedded_emulator(tmp_path):
    environ = production(tmp_path, ANALYTICS_ENV="local", BIGQUERY_PROJECT=None)
    world = world_of(environ)
    assert isinstance(world.warehouse, EmbeddedEmulatorWarehouse)
    assert world.warehouse.data_dir == str(tmp_path / "local" / "bigquery")
    assert [cls.table.name for cls in world.extractors] == ["desk_ticket", "order"]
    assert not any(cls.__module__.startswith("analytics_assets.demo") for cls in world.extractors)


def test_the_demo_is_the_default_with_its_own_extractors_and_sources(tmp_path):
    world = world_of({"ANALYTICS_LOCAL_DIR": str(tmp_path)})
    assert world.environment is Environment.DEMO
    assert isinstance(world.warehouse, EmbeddedEmulatorWarehouse)
    assert [cls.table.name for cls in world.extractors] == [
        "contract",
        "email",
        "support_ticket",
        "user",
    ]
    assert set(world.sources) == {"django", "support_api"}


def test_team_modules_in_the_demo_are_refused(tmp_path):
    environ = {"ANALYTICS_LOCAL_DIR": str(tmp_path), "ANALYTICS_EXTRACTOR_MODULES": "acme.x"}
    with pytest.raises(SettingsError, match="ANALYTICS_ENV=demo runs the demo's extractors"):
        world_of(environ)


def test_credentials_in_an_api_url_are_refused_naming_the_variable(tmp_path, team_package):
    environ = production(tmp_path, ANALYTICS_DESK_API_URL="https://bot:hunter2@desk.example.com")
    with pytest.raises(SettingsError) as refused:
        world_of(environ)
    assert str(refused.value) == (
        "ANALYTICS_DESK_API_URL: the URL holds user info (https://desk.example.com with "
        "user:password@); put it in ANALYTICS_DESK_API_TOKEN"
    )
    assert "hunter2" not in str(refused.value)


#: Loaded in a fresh process, the production location must not import any of these.
NEVER_IN_PRODUCTION = ("analytics_assets.demo", "analytics_assets.local", "bqemulator", "duckdb")


def test_loading_production_definitions_never_imports_the_demo_or_the_emulator(
    tmp_path, team_package
):
    probe = textwrap.dedent(f"""
        import json, sys
        from analytics_assets.definitions import defs
        defs.get_repository_def().get_all_jobs()
        print(json.dumps(sorted(
            name for name in sys.modules if name.startswith({NEVER_IN_PRODUCTION!r})
        )))
        print(json.dumps(sorted(key.to_user_string() for key in defs.resolve_all_asset_keys())))
    """)
    done = run_python(probe, **production(tmp_path), PYTHONPATH=str(team_package))
    assert done.returncode == 0, done.stderr[-3000:]
    imported, assets = (json.loads(line) for line in done.stdout.strip().splitlines()[-2:])
    assert imported == []
    assert assets == ["desk_ticket", "order", "order_delta"]


def test_dagster_validation_of_a_bare_production_environment_names_the_missing_variables(
    tmp_path,
):
    done = run_command(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        ANALYTICS_ENV="production",
        BIGQUERY_PROJECT="acme-analytics",
        DAGSTER_HOME=str(tmp_path),
    )
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert (
        "SettingsError: ANALYTICS_ENV=production needs these environment variables, unset: "
        "ANALYTICS_FIRST_DATE (the first day to extract, YYYY-MM-DD); "
        "ANALYTICS_TIMEZONE (the IANA zone of your local days, e.g. Europe/Paris); "
        "ANALYTICS_EXTRACTOR_MODULES (your extractor modules or packages, comma-separated); "
        "DJANGO_SETTINGS_MODULE (the Django settings module of your application)"
    ) in output


def test_a_module_that_exits_while_imported_is_refused_naming_it(tmp_path, monkeypatch):
    install_team_package(
        tmp_path / "exiting", monkeypatch, "acme_exit", {"gone": "import sys\nsys.exit(3)\n"}
    )
    environ = production(tmp_path, ANALYTICS_EXTRACTOR_MODULES="acme_exit.extractors")
    with pytest.raises(SettingsError) as refused:
        world_of(environ)
    assert str(refused.value) == (
        "ANALYTICS_EXTRACTOR_MODULES: extractor module 'acme_exit.extractors.gone' (from "
        "acme_exit.extractors) does not import: SystemExit: 3"
    )


def _credential_shapes(tmp_path: Path) -> dict[str, dict[str, str | None]]:
    """Credentials set wrong as people set them wrong: each refused when the location loads."""
    key = service_account_key()
    not_json = tmp_path / "key.pem"
    not_json.write_text("-----BEGIN PRIVATE KEY-----\nMIIE\n")
    user_file = tmp_path / "adc.json"
    user_file.write_text(json.dumps({"type": "authorized_user", "client_id": "x"}))
    return {
        "broken JSON": {"BIGQUERY_CREDENTIALS_JSON": key[:-40]},
        "not a service account": {"BIGQUERY_CREDENTIALS_JSON": '{"type": "authorized_user"}'},
        "a key lacking fields": {"BIGQUERY_CREDENTIALS_JSON": '{"type": "service_account"}'},
        "neither JSON nor base64": {"BIGQUERY_CREDENTIALS_JSON": "hunter2 is my password"},
        "a file that is not there": {"BIGQUERY_CREDENTIALS_FILE": "/run/secrets/hunter2.json"},
        "a key in the file variable": {"BIGQUERY_CREDENTIALS_FILE": key},
        "a key in the ADC variable": {"GOOGLE_APPLICATION_CREDENTIALS": key},
        "a file that is not a key": {"BIGQUERY_CREDENTIALS_FILE": str(not_json)},
        "a file of another kind": {"BIGQUERY_CREDENTIALS_FILE": str(user_file)},
    }


@pytest.mark.usefixtures("team_package")
def test_production_refuses_every_malformed_credential_at_load_without_echoing_it(tmp_path):
    secrets = ("hunter2", "PRIVATE KEY", "loader@", "MIIE")
    for shape, credential in _credential_shapes(tmp_path).items():
        environ = production(tmp_path, **({"BIGQUERY_CREDENTIALS_JSON": None} | credential))
        with pytest.raises(SettingsError) as refused:
            world_of(environ)
        message = str(refused.value)
        assert any(variable in message for variable in credential), (shape, message)
        assert not any(secret in message for secret in secrets), (shape, message)
        assert refused.value.__cause__ is None and refused.value.__context__ is None, shape


@pytest.mark.usefixtures("team_package")
def test_dagster_validation_refuses_a_key_pasted_into_the_file_variable(tmp_path, team_package):
    environ = production(
        tmp_path, BIGQUERY_CREDENTIALS_JSON=None, BIGQUERY_CREDENTIALS_FILE=service_account_key()
    )
    done = run_command(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-m",
         "analytics_assets.definitions"],
        **environ, PYTHONPATH=str(team_package), DAGSTER_HOME=str(tmp_path),
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "BIGQUERY_CREDENTIALS_FILE holds" in output
    assert "PRIVATE KEY" not in output and "loader@" not in output
