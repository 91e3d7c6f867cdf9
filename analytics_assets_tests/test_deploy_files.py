"""The deploy shapes' files name no class of this package, and hold the guarantees it needs.

Dagster's own processes (the Helm chart's webserver and daemon, Dagster+) never import
analytics_assets: no instance file, Helm value or deployment setting may name it. The
guarantees (one writer per table, the catch-up's cap, killed runs' slots freed, the start
timeout, the event batch size in the runs) are present in every shape, with the same values.
The Helm values were also validated against the chart's ``values.schema.json`` (merged with
the chart's defaults, as Helm does) when they were written; the chart is not on a package
registry CI reaches, so this suite checks the keys it relies on instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from analytics_assets_tests.paths import REPO_ROOT

EXAMPLE = REPO_ROOT / "examples" / "acme"
INSTANCE = REPO_ROOT / "analytics_assets" / "deploy" / "dagster.yaml"
HELM = EXAMPLE / "deploy" / "helm-values.yaml"
DAGSTER_PLUS = EXAMPLE / "deploy" / "dagster-plus-deployment-settings.yaml"
CONTAINER_CONTEXT = EXAMPLE / "container_context.yaml"
CATCH_UP_LIMIT = {"key": "analytics/catch_up", "limit": 3}


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def test_no_deploy_shape_names_this_package_not_even_in_a_comment():
    for path in (INSTANCE, HELM, DAGSTER_PLUS, CONTAINER_CONTEXT, EXAMPLE / "build.yaml"):
        assert "analytics_assets" not in path.read_text(), path  # `grep -rn` finds nothing


def test_the_self_hosted_instance_uses_dagster_postgres_own_storages():
    instance = load(INSTANCE)
    for storage in ("run_storage", "event_log_storage", "schedule_storage"):
        assert instance[storage]["module"].startswith("dagster_postgres."), storage


def test_every_shape_holds_the_same_guarantees():
    instance, helm, plus = load(INSTANCE), load(HELM), load(DAGSTER_PLUS)
    helm_instance = helm["additionalInstanceConfig"]
    monitoring = helm["dagsterDaemon"]["runMonitoring"]
    for concurrency in (instance["concurrency"], helm_instance["concurrency"], plus["concurrency"]):
        assert concurrency["pools"]["default_limit"] == 1
        assert CATCH_UP_LIMIT in concurrency["runs"]["tag_concurrency_limits"]
        assert concurrency["runs"]["max_concurrent_runs"] == 8
    assert instance["run_monitoring"]["free_slots_after_run_end_seconds"] == 30
    assert plus["run_monitoring"]["free_slots_after_run_end_seconds"] == 30
    assert monitoring["enabled"] and monitoring["freeSlotsAfterRunEndSeconds"] == 30
    assert instance["run_monitoring"]["start_timeout_seconds"] == 600
    assert plus["run_monitoring"]["start_timeout_seconds"] == 600
    assert monitoring["startTimeoutSeconds"] == 600


def test_the_runs_of_every_shape_get_the_event_batch_size():
    helm = load(HELM)
    launcher = helm["runLauncher"]["config"]["k8sRunLauncher"]
    assert "DAGSTER_EVENT_BATCH_SIZE=10000" in launcher["envVars"]
    (deployment,) = helm["dagster-user-deployments"]["deployments"]
    assert deployment["env"]["DAGSTER_EVENT_BATCH_SIZE"] == "10000"
    assert deployment["dagsterApiGrpcArgs"] == ["-m", "acme_dagster.definitions"]
    assert isinstance(deployment["port"], int)
    context = load(CONTAINER_CONTEXT)
    assert "DAGSTER_EVENT_BATCH_SIZE=10000" in context["k8s"]["env_vars"]


def test_the_code_image_runs_the_code_server_as_a_user_not_root():
    dockerfile = (EXAMPLE / "Dockerfile").read_text()
    steps = [
        line.split(" ", 1)[0] for line in dockerfile.splitlines() if line and line[0].isupper()
    ]
    assert steps.index("USER") > steps.index("RUN")  # installs first, then drops root
    assert 'CMD ["dagster", "api", "grpc"' in dockerfile
