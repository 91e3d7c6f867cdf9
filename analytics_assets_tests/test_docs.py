"""Every code block of the docs (docs/**/*.md) and of README.md is accounted for by a test,
and every relative link of the README resolves.

Each fenced block is proven one way: a Python block is a file of this repository that a
named test runs; a YAML block is the example's file and validates against the Component's
attribute model; a text block is a file's content or a tree whose every path exists; a
shell block is run here, or extracted from its page and run by a named test, or listed in
:data:`RUN_ELSEWHERE` with the test (or CI step) that runs it. A new block that is none of
these fails ``test_every_docs_code_block_is_executed_or_validated``, which prints the count.
"""

from __future__ import annotations

import re
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path

import yaml

from analytics_assets.component import ExtractorsComponent
from analytics_assets_tests.paths import REPO_ROOT
from analytics_assets_tests.test_example_team_project import adoption_commands

PAGES = [*sorted((REPO_ROOT / "docs").rglob("*.md")), REPO_ROOT / "README.md"]
FENCE = re.compile(
    r"^(?P<indent> *)```(?P<language>\w*)\n(?P<body>.*?)^(?P=indent)```", re.M | re.S
)
TESTS = REPO_ROOT / "analytics_assets_tests"
ADOPTION = (
    "test_example_team_project.py::test_the_adoption_commands_run_as_written_in_the_example_project"
)
#: Files shown whole in the docs, each with the test that runs it.
PYTHON_FILES = {
    "analytics_assets_tests/readme_example.py": "test_testing_kit_in_a_team_project.py::"
    "test_the_docs_example_passes_in_a_project_that_only_installed_the_package",
    "docs/examples/query_local_warehouse.py": "test_docs_examples.py::"
    "test_the_quickstart_query_prints_the_newest_rows_of_an_emulator_on_another_port",
    # the example project's extractors: its dry run, one day launched and its own tests
    "examples/acme/acme_analytics/extractors/customers.py": ADOPTION,
    "examples/acme/acme_analytics/extractors/orders.py": ADOPTION,
    "examples/acme/acme_analytics/extractors/tickets.py": ADOPTION,
}
COMPONENT_YAML = REPO_ROOT / "examples/acme/acme_dagster/defs/analytics/defs.yaml"
TEXT_FILES = [REPO_ROOT / "examples/acme/.gitignore"]
#: Shell blocks run by this module, as written, from the repository's folder.
RUN_HERE = {"uv run analytics-assets print-extract -f 2024-03-26 -l 2024-03-31 --extractor user"}
#: Shell blocks run elsewhere, by their first line: (the test that runs it, how). Those run
#: as written count as executed; the others are listed, with what runs instead.
RUN_ELSEWHERE = {
    "uv run analytics-assets dev      # installs everything, starts BigQuery (embedded) + "
    "demo source + dagster dev": (
        "test_browser_user_day.py::test_0_the_catch_up_terminal_shows_start_up_and_runs_not_a_"
        "line_per_day",
        "executed: it starts `analytics-assets dev` (dagster_dev.py); `uv run pytest` is "
        ".ci/run's test step",
    ),
    "ANALYTICS_ENV=local ANALYTICS_EXTRACTOR_MODULES=acme_analytics.extractors \\": (
        "test_print_extract.py::test_a_team_s_own_extractors_of_every_source_kind_print_in_the_"
        "local_environment",
        "the same variables, the demo's Django settings standing in for the team's",
    ),
    "export ANALYTICS_ENV=production ANALYTICS_EXTRACTOR_MODULES=myshop_analytics.extractors": (
        "test_environments.py::test_dagster_validation_of_a_bare_production_environment_names_"
        "the_missing_variables",
        "validation of production's variables; as written it needs Google credentials: by hand",
    ),
    "export BIGQUERY_PROJECT=acme-analytics BIGQUERY_LOCATION=EU": (
        "test_testing_kit_in_a_team_project.py::test_the_contract_suite_runs_from_the_installed_"
        "package_on_the_emulator",
        "the installed contract suite; its [bigquery] half needs real BigQuery: by hand",
    ),
    "DAGSTER_HOME=$PWD uv run dagster asset materialize -m analytics_assets.definitions "
    "--select user,user_delta --partition-range 2024-03-29...2024-03-31": (
        "test_docs_examples.py::test_the_operations_command_materializes_days_older_than_the_"
        "dialog_s_window",
        "executed: as written, in a folder holding this repository's dagster.yaml",
    ),
    "uv run python -m benchmarks          # full run (+ ~6 min to seed the history once)": (
        "test_benchmark_smoke.py::test_quick_benchmark_prints_the_table",
        "runs --quick; the other sections are the full benchmark, by hand",
    ),
}


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    language: str
    text: str

    def __str__(self) -> str:
        return f"{self.page.relative_to(REPO_ROOT)}:{self.line} ({self.language or 'plain'})"


def blocks() -> list[Block]:
    found = []
    for page in PAGES:
        markdown = page.read_text()
        for match in FENCE.finditer(markdown):
            indent = len(match["indent"])
            body = textwrap.dedent(match["body"]) if indent else match["body"]
            line = markdown.count("\n", 0, match.start()) + 1
            found.append(Block(page, line, match["language"], body.rstrip("\n")))
    return found


def named_test_exists(test_id: str) -> None:
    """``file.py::test_name`` names a test function of this suite."""
    file, _, name = test_id.partition("::")
    assert f"def {name}(" in (TESTS / file).read_text(), test_id


def _python(block: Block) -> str:
    for path, test_id in PYTHON_FILES.items():
        if (REPO_ROOT / path).read_text().rstrip("\n") == block.text:
            named_test_exists(test_id)
            return f"executed: {path}, run by {test_id}"
    raise AssertionError(f"{block}: not the content of a file a test runs (PYTHON_FILES)")


def _yaml(block: Block) -> str:
    assert block.text == COMPONENT_YAML.read_text().rstrip("\n"), f"{block}: not the example's"
    document = yaml.safe_load(block.text)
    assert document["type"] == "analytics_assets.ExtractorsComponent"
    model = ExtractorsComponent.get_model_cls()
    assert model is not None
    model.model_validate(document["attributes"])
    named_test_exists(ADOPTION)  # its `dg check defs` loads it
    return "validated: the Component's attribute model (and dg check defs, by the adoption test)"


def _text(block: Block) -> str:
    for path in TEXT_FILES:
        if path.read_text().rstrip("\n") == block.text:
            return f"validated: the content of {path.relative_to(REPO_ROOT)}"
    paths = tree_paths(block.text)
    assert paths, f"{block}: neither a file's content nor a tree of paths"
    missing = [str(p.relative_to(REPO_ROOT)) for p in paths if not p.exists()]
    assert missing == [], f"{block}: paths that do not exist: {missing}"
    return f"validated: {len(paths)} paths of the tree exist"


def tree_paths(tree: str) -> list[Path]:
    """The paths a layout tree names: top-level folders, and the files and folders under them."""
    paths, root = [], REPO_ROOT
    for line in tree.splitlines():
        indent = len(line) - len(line.lstrip())
        if indent > 2:
            continue  # a description going on
        head = re.split(r"\s{2,}", line.strip())[0]
        names = [n for n in head.split() if re.fullmatch(r"[\w.]+(/[\w.]+)*(/|\.py|\.yaml)", n)]
        if indent == 0 and names:
            root = REPO_ROOT / names[0]
            paths.append(root)
        else:
            paths += [root / name for name in names]
    return paths


def _shell(block: Block, run_here: list[Block]) -> str:
    first = block.text.splitlines()[0]
    if block.text in RUN_HERE:
        run_here.append(block)
        return "executed here"
    adoption = adoption_commands().splitlines()
    if block.text == "\n".join(adoption).rstrip("\n") or all(
        line in adoption for line in block.text.splitlines()
    ):
        named_test_exists(ADOPTION)
        return f"executed: by {ADOPTION}, which extracts the adoption commands from docs/adopt.md"
    ci = re.sub(r"\\\n\s*", "", (REPO_ROOT / ".ci" / "run").read_text())
    if re.sub(r"\\\n\s*", "", block.text) in ci:
        return "executed: a step of .ci/run, as written"
    assert first in RUN_ELSEWHERE, f"{block}: a shell block no test runs ({first!r})"
    test_id, how = RUN_ELSEWHERE[first]
    named_test_exists(test_id)
    if how.startswith("executed: "):
        assert "\nuv run pytest\n" in (REPO_ROOT / ".ci" / "run").read_text()
        return f"executed: by {test_id} ({how.removeprefix('executed: ')})"
    return f"listed: {test_id} ({how})"


def test_every_docs_code_block_is_executed_or_validated(tmp_path):
    run_here: list[Block] = []
    proofs = {}
    for block in blocks():
        if block.language == "python":
            proofs[block] = _python(block)
        elif block.language == "yaml":
            proofs[block] = _yaml(block)
        elif block.language in ("", "text"):
            proofs[block] = _text(block)
        else:
            assert block.language == "bash", f"{block}: a language no test knows"
            proofs[block] = _shell(block, run_here)
    for block in run_here:
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block.text],
            cwd=REPO_ROOT,
            env={**_environment(), "ANALYTICS_LOCAL_DIR": str(tmp_path / "local")},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, f"{block}:\n{done.stdout}\n{done.stderr}"
    for block, proof in proofs.items():
        print(f"{block}: {proof}")
    proven = [proof for proof in proofs.values() if not proof.startswith("listed")]
    print(f"{len(proofs)} code blocks: {len(proven)} executed or validated, the rest listed")
    assert (len(proofs), len(proven)) == (19, 15)


def _environment() -> dict[str, str]:
    from analytics_assets_tests.processes import clean_environment

    return clean_environment()


def test_every_relative_link_of_the_readme_resolves_to_an_existing_file():
    readme = (REPO_ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(([^)\s]+)\)", readme)
    relative = [t.split("#")[0] for t in targets if not re.match(r"[a-z]+:", t)]
    assert len(relative) >= 15
    assert [t for t in relative if not (REPO_ROOT / t).exists()] == []
