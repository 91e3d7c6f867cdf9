"""The settings catalogue (analytics_assets/settings_catalogue.py) held to the code: every
environment variable name the package reads is catalogued and every catalogued one is read,
each catalogued default is what the loaders give when the variable is unset, and the docs'
Settings reference is rendered from it.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from analytics_assets.demo.config import load_demo_settings
from analytics_assets.local.config import load_emulator_settings
from analytics_assets.settings import load_settings
from analytics_assets.settings_catalogue import variables
from analytics_assets.sources.http_api_kind import HttpApiSourceSettings
from analytics_assets_tests.paths import REPO_ROOT

PACKAGE = REPO_ROOT / "analytics_assets"
#: A variable name as the code quotes it.
QUOTED = re.compile(
    r"""["']((?:ANALYTICS|BIGQUERY|DAGSTER|GOOGLE|DJANGO)_[A-Z0-9_]*[A-Z0-9])["']"""
)
#: A setting of an HTTP API source: api_variable(name, "URL") reads ANALYTICS_<NAME>_URL.
API_SETTING = re.compile(r'api_variable\(\w+, "([A-Z_]+)"\)')
#: A variable a Dagster instance file reads (``env: DAGSTER_PG_HOST``).
INSTANCE_ENV = re.compile(r"\benv: ([A-Z][A-Z0-9_]+)")
SETTINGS_REFERENCE = REPO_ROOT / "docs" / "reference" / "settings.md"
HOOK = REPO_ROOT / "docs" / "hooks" / "settings_reference.py"


def names_the_package_reads() -> set[str]:
    names: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        if path.name != "settings_catalogue.py":
            text = path.read_text()
            names |= set(QUOTED.findall(text))
            names |= {f"ANALYTICS_<NAME>_{setting}" for setting in API_SETTING.findall(text)}
    for path in PACKAGE.rglob("dagster.yaml"):
        names |= set(INSTANCE_ENV.findall(path.read_text()))
    return names


class Asked(dict):
    """An environment that remembers which variables were asked for."""

    def __init__(self, values: dict[str, str] | None = None) -> None:
        super().__init__(values or {})
        self.asked: set[str] = set()

    def get(self, key, default=None):  # type: ignore[override]
        self.asked.add(key)
        return super().get(key, default)


LOADERS = {
    "load_settings": load_settings,
    "load_emulator_settings": lambda environ: load_emulator_settings(Path("/x"), environ),
    "load_demo_settings": load_demo_settings,
}


def test_every_variable_the_package_reads_is_catalogued_and_every_catalogued_one_is_read():
    catalogued = [variable.name for variable in variables()]
    assert len(catalogued) == len(set(catalogued)), "a variable catalogued twice"
    read = names_the_package_reads()
    assert sorted(read - set(catalogued)) == [], "read by the code, missing from the catalogue"
    assert sorted(set(catalogued) - read) == [], "catalogued, read nowhere in the package"


@pytest.mark.parametrize(
    "variable", [v for v in variables() if v.default is not None], ids=lambda v: v.name
)
def test_a_catalogued_default_is_what_the_code_uses_when_the_variable_is_unset(variable):
    if variable.name.startswith("ANALYTICS_<NAME>_"):
        field = variable.name.removeprefix("ANALYTICS_<NAME>_").lower()
        default = HttpApiSourceSettings.model_fields[field].default
        assert str(default) == variable.default
        return
    readers = []
    for name, load in LOADERS.items():
        environ = Asked()
        load(environ)
        if variable.name in environ.asked:
            readers.append(name)
            assert load({variable.name: variable.default}) == load({}), name
    assert readers, f"no loader reads {variable.name}"


def test_the_settings_reference_page_is_rendered_from_the_catalogue():
    spec = importlib.util.spec_from_file_location("settings_reference", HOOK)
    assert spec is not None and spec.loader is not None
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    page = SETTINGS_REFERENCE.read_text()
    assert hook.MARKER in page
    rendered = hook.on_page_markdown(page, page=None, config=None, files=None)
    for variable in variables():
        assert f"| `{variable.name}` |" in rendered
    assert "| `ANALYTICS_CATCH_UP_CHUNK_DAYS` | `365` |" in rendered
