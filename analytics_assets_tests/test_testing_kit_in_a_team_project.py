"""The testing kit as a team gets it: the docs' example runs as written in a project that only
installed analytics-assets (its fixtures come from the package's pytest plugin, no conftest),
and the contract suite runs from the installed package, skipping real BigQuery with its reason.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from analytics_assets_tests.paths import REPO_ROOT
from analytics_assets_tests.processes import clean_environment

#: Kept without the ``test_`` prefix: the suite runs it once, in a project of its own (below).
EXAMPLE = REPO_ROOT / "analytics_assets_tests" / "readme_example.py"
EXAMPLE_AS_TEAM_FILE = "test_acme_extractors.py"
#: A team's pytest configuration: nothing of the kit's (docs/testing.md).
TEAM_PYPROJECT = "[tool.pytest.ini_options]\n"


def python_blocks(markdown: str) -> list[str]:
    return [block.rstrip("\n") for block in re.findall(r"```python\n(.*?)```", markdown, re.S)]


def run_pytest_in(project: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """``pytest`` from ``project``, with none of this repository's configuration or variables."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-ra", *arguments],
        cwd=project,
        env=clean_environment(),
        capture_output=True,
        text=True,
        check=False,
        timeout=540,
    )


def test_the_testing_page_s_complete_example_is_the_example_file():
    page = (REPO_ROOT / "docs" / "testing.md").read_text()
    section = page.split("## A complete example", 1)[1].split("\n## ", 1)[0]
    assert EXAMPLE.read_text().rstrip("\n") in python_blocks(section)


def test_the_docs_example_passes_in_a_project_that_only_installed_the_package(tmp_path):
    (tmp_path / "pyproject.toml").write_text(TEAM_PYPROJECT)
    (tmp_path / EXAMPLE_AS_TEAM_FILE).write_text(EXAMPLE.read_text())
    done = run_pytest_in(tmp_path, "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith("3 passed in ")


def test_the_contract_suite_asked_for_real_bigquery_without_it_stops_saying_why(tmp_path):
    (tmp_path / "pyproject.toml").write_text(TEAM_PYPROJECT)
    done = run_pytest_in(
        tmp_path, "--pyargs", "analytics_assets.testing.contract", "-m", "bigquery"
    )
    assert done.returncode == 4, done.stdout + done.stderr  # a usage error, not a green run
    assert (
        "ERROR: pytest -m bigquery: real BigQuery not configured: set BIGQUERY_PROJECT and "
        "credentials (BIGQUERY_CREDENTIALS_JSON, BIGQUERY_CREDENTIALS_FILE or ADC) and run "
        "pytest -m bigquery"
    ) in done.stderr


def test_the_contract_suite_runs_from_the_installed_package_on_the_emulator(tmp_path):
    (tmp_path / "pyproject.toml").write_text(TEAM_PYPROJECT)
    done = run_pytest_in(tmp_path, "--pyargs", "analytics_assets.testing.contract")
    assert done.returncode == 0, done.stdout + done.stderr
    reasons = {
        line.split(": ", 1)[1] for line in done.stdout.splitlines() if line.startswith("SKIPPED")
    }
    assert reasons == {
        "real BigQuery not configured: set BIGQUERY_PROJECT and credentials (BIGQUERY_CREDENTIALS_"
        "JSON, BIGQUERY_CREDENTIALS_FILE or ADC) and run pytest -m bigquery"
    }
    assert re.search(r"\b11 passed, 13 skipped, 2 xfailed in ", done.stdout), done.stdout
