"""The package works at the lowest versions its ranges allow: every dependency resolved to its
lower bound (Dagster 1.13.0, Django 4.2, pandas 2.1, ...) in a fresh environment from the
wheel, where the example team project's ``dg check defs`` and tests, and the docs' testing
example (docs/testing.md), pass. (The newest versions are the lock file's, which the suite
runs on.)"""

from __future__ import annotations

import tomllib

import pytest

from analytics_assets_tests.paths import REPO_ROOT
from analytics_assets_tests.wheel_projects import (
    bin_on_path,
    built_wheel,
    example_project,
    fresh_environment,
    run,
)

pytestmark = pytest.mark.outside
#: The extras a team installs; their own requirements are resolved to their lowest too.
EXTRAS = ("emulator", "local", "testing", "postgres")
LOWEST = {"dagster": "1.13.0", "django": "4.2", "pandas": "2.1.0"}


def declared_requirements() -> list[str]:
    """Every requirement the package declares, its extras' included (not itself)."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    required = list(project["dependencies"])
    for extra in EXTRAS:
        required += [r for r in extras[extra] if not r.startswith("analytics-assets")]
    return required


def test_the_lowest_declared_versions_run_the_example_project(tmp_path):
    wheels = built_wheel(tmp_path / "wheels")
    project = example_project(tmp_path / "acme")
    bin_dir = fresh_environment(
        tmp_path,
        wheels,
        "--resolution", "lowest-direct",
        "-e", str(project), f"analytics-assets[{','.join(EXTRAS)}]", *declared_requirements(),
        "pytest-django>=4.9", "dagster-dg-cli>=1.13.0,<1.14",
    )  # fmt: skip
    env = {**bin_on_path(bin_dir), "ACME_DATABASE": str(tmp_path / "acme.sqlite3")}
    versions = run(
        [str(bin_dir / "python"), "-c",
         "from importlib.metadata import version as v; "
         "print(*(v(n) for n in ('dagster', 'django', 'pandas', 'dagster-postgres')))"],
        project, env,
    ).split()  # fmt: skip
    assert versions == [LOWEST["dagster"], LOWEST["django"], LOWEST["pandas"], "0.29.0"]

    assert "All definitions loaded successfully." in run(
        [str(bin_dir / "dg"), "check", "defs"], project, env
    )
    assert "3 passed in " in run(
        [str(bin_dir / "pytest"), "-q", "-p", "no:cacheprovider"], project, env
    )

    readme_example = REPO_ROOT / "analytics_assets_tests" / "readme_example.py"
    team = tmp_path / "team"
    team.mkdir()
    (team / "test_readme_example.py").write_text(readme_example.read_text())
    output = run([str(bin_dir / "pytest"), "-q", "-p", "no:cacheprovider"], team, env)
    assert "3 passed in " in output
