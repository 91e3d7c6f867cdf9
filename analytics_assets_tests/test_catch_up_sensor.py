"""The catch-up sensor asks for exactly the missing and failed days, in chunks, never twice."""

import datetime as dt
import threading
from typing import Any

import dagster as dg
import pytest

from analytics_assets.assembly.run_tags import RANGE_END_TAG, RANGE_START_TAG
from analytics_assets.automation.catch_up import CATCH_UP_TAG, build_catch_up_sensor
from analytics_assets.automation.catch_up_plan import plan_catch_up
from analytics_assets.testing import CatchUpTick, evaluate_catch_up
from analytics_assets_tests.backfills import add_backfill

PARTITIONS = dg.DailyPartitionsDefinition(start_date="2024-01-01", timezone="Europe/Paris")
#: 13:00 in Paris on 1 February: January is complete, the schedule's grace is over.
NOW = dt.datetime(2024, 2, 1, 12, 0, tzinfo=dt.UTC)
FAILING_DAYS = {"2024-01-10"}
#: While set, every run of alpha fails as a project that does not import would.
CONFIGURATION_BROKEN = threading.Event()
RELEASE = threading.Event()
BLOCKED = threading.Event()  # set by the asset when its run waits on BLOCKED_DAY
BLOCKED_DAY = "2024-01-20"


def make_assets(partitions: dg.DailyPartitionsDefinition) -> list[dg.AssetsDefinition]:
    """An extract-like asset and its view, with this module's failing and blocking days."""

    @dg.asset(partitions_def=partitions, backfill_policy=dg.BackfillPolicy.single_run())
    def alpha(context: dg.AssetExecutionContext) -> None:
        if CONFIGURATION_BROKEN.is_set():
            raise ModuleNotFoundError("No module named 'acme'")
        if FAILING_DAYS & set(context.partition_keys):
            raise ConnectionError("source went away")
        if BLOCKED_DAY in context.partition_keys:
            BLOCKED.set()
            RELEASE.wait(timeout=60)

    @dg.asset(
        partitions_def=partitions, deps=[alpha], backfill_policy=dg.BackfillPolicy.single_run()
    )
    def alpha_delta() -> None:
        pass

    return [alpha, alpha_delta]


alpha, alpha_delta = make_assets(PARTITIONS)


def _sensor(**overrides):
    options: dict[str, Any] = dict(
        chunk_days=10,
        retry_failed_after=dt.timedelta(minutes=30),
        daily_hour=0,
        daily_minute=15,
    )
    options.update(overrides)
    return build_catch_up_sensor([alpha.key, alpha_delta.key], **options)


def _defs(sensor, assets=(alpha, alpha_delta)) -> dg.Definitions:
    return dg.Definitions(assets=list(assets), sensors=[sensor])


def _run(instance, assets, first, last=None):
    tags = {RANGE_START_TAG: first, RANGE_END_TAG: last} if last else None
    return dg.materialize(
        assets,
        instance=instance,
        partition_key=None if last else first,
        tags=tags,
        raise_on_error=False,
    )


def _tick(instance, sensor, cursor=None, assets=(alpha, alpha_delta)) -> CatchUpTick:
    return evaluate_catch_up(_defs(sensor, assets), NOW, instance, cursor)


def _create_runs(instance, defs, tick: CatchUpTick) -> list[dg.DagsterRun]:
    """What the sensor daemon does with the tick's requests: runs created (their days
    planned), not started yet."""
    job = defs.resolve_implicit_global_asset_job_def()
    return [
        instance.create_run_for_job(
            job,
            asset_selection=frozenset(request.asset_selection or []),
            tags=request.tags,
            status=dg.DagsterRunStatus.NOT_STARTED,
        )
        for request in tick.result.run_requests or []
    ]


@pytest.fixture
def instance(dagster_instance):
    FAILING_DAYS.clear()
    FAILING_DAYS.add("2024-01-10")
    RELEASE.clear()
    BLOCKED.clear()
    CONFIGURATION_BROKEN.clear()
    yield dagster_instance
    RELEASE.set()
    CONFIGURATION_BROKEN.clear()


def test_an_empty_instance_gets_every_day_since_the_first_date_in_chunks(instance):
    result = _tick(instance, _sensor())
    both = ("alpha", "alpha_delta")
    assert result.runs == [
        ("2024-01-01", "2024-01-10", both, "missing"),
        ("2024-01-11", "2024-01-20", both, "missing"),
        ("2024-01-21", "2024-01-30", both, "missing"),
        ("2024-01-31", "2024-01-31", both, "missing"),
    ]


def test_materialized_failed_and_running_days_are_told_apart(instance):
    assert _run(instance, [alpha, alpha_delta], "2024-01-01", "2024-01-05").success
    assert not _run(instance, [alpha, alpha_delta], "2024-01-10").success
    assert _run(instance, [alpha], "2024-01-12").success  # its delta view is still missing
    running = threading.Thread(target=_run, args=(instance, [alpha, alpha_delta], BLOCKED_DAY))
    running.start()
    try:
        _wait_until_in_progress(instance)
        result = _tick(instance, _sensor())
    finally:
        RELEASE.set()
        running.join()
    both = ("alpha", "alpha_delta")
    assert result.runs == [
        ("2024-01-06", "2024-01-09", both, "missing"),
        ("2024-01-10", "2024-01-10", both, "retry"),
        ("2024-01-11", "2024-01-11", both, "missing"),
        ("2024-01-12", "2024-01-12", ("alpha_delta",), "missing"),
        ("2024-01-13", "2024-01-19", both, "missing"),
        ("2024-01-21", "2024-01-30", both, "missing"),
        ("2024-01-31", "2024-01-31", both, "missing"),
    ]


def _wait_until_in_progress(instance) -> None:
    """Until the run of BLOCKED_DAY executes its step, then Dagster must call the day in progress.

    (In the whole suite this test still takes ~62 s: at the run's end Dagster's compute log
    capture waits 30 s + 30 s for a ``tail`` process that does not exit; see the closing note.)
    """
    assert BLOCKED.wait(60), f"the run for {BLOCKED_DAY} never started"
    status = instance.get_status_by_partition(alpha.key, [BLOCKED_DAY], PARTITIONS) or {}
    assert status.get(BLOCKED_DAY) == dg.AssetPartitionStatus.IN_PROGRESS, status


def test_the_next_tick_requests_nothing_while_the_requested_runs_have_not_started(instance):
    sensor = _sensor()
    first = _tick(instance, sensor)
    created = _create_runs(instance, _defs(sensor), first)
    assert [(run.tags[RANGE_START_TAG], run.tags[RANGE_END_TAG]) for run in created] == [
        ("2024-01-01", "2024-01-10"),
        ("2024-01-11", "2024-01-20"),
        ("2024-01-21", "2024-01-30"),
        ("2024-01-31", "2024-01-31"),
    ]
    assert all(run.tags[CATCH_UP_TAG] == "missing" for run in created)
    second = _tick(instance, sensor, first.cursor)
    assert second.runs == []
    assert second.skip_reason == "every day is materialized, in progress or waiting for a retry"


def test_a_run_created_without_its_plan_is_not_requested_a_second_time(instance):
    # The daemon killed after creating the run and before storing its planned days: Dagster
    # launches the run on restart; its range tags say which days it writes.
    sensor = _sensor()
    first = _tick(instance, sensor)
    job = _defs(sensor).resolve_implicit_global_asset_job_def()
    for request in first.result.run_requests or []:
        instance.add_run(
            dg.DagsterRun(
                job_name=job.name,
                status=dg.DagsterRunStatus.NOT_STARTED,
                tags=request.tags,
                asset_selection=frozenset(request.asset_selection or []),
            )
        )
    assert instance.get_latest_planned_materialization_info(alpha.key, "2024-01-05") is None
    assert _tick(instance, sensor, first.cursor).runs == []


def test_days_of_a_backfill_launched_by_a_user_are_left_to_it(instance):
    days = PARTITIONS.get_partition_keys_in_range(dg.PartitionKeyRange("2024-01-05", "2024-01-24"))
    add_backfill(instance, "by_a_user", {alpha.key: days, alpha_delta.key: days}, PARTITIONS)
    result = _tick(instance, _sensor())
    both = ("alpha", "alpha_delta")
    assert result.runs == [
        ("2024-01-01", "2024-01-04", both, "missing"),
        ("2024-01-25", "2024-01-31", both, "missing"),
    ]


def test_each_requested_run_carries_the_checks_of_its_own_assets_only(instance):
    @dg.asset_check(asset=alpha, partitions_def=PARTITIONS)
    def alpha_has_rows() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=True)

    FAILING_DAYS.clear()
    RELEASE.set()
    assert _run(instance, [alpha], "2024-01-01", "2024-01-30").success  # views still missing
    sensor = _sensor(chunk_days=40)
    defs = dg.Definitions(assets=[alpha, alpha_delta], asset_checks=[alpha_has_rows])
    defs = dg.Definitions.merge(defs, dg.Definitions(sensors=[sensor]))
    tick = evaluate_catch_up(defs, NOW, instance)
    requested = {
        (request.tags[RANGE_START_TAG], request.tags[RANGE_END_TAG]): request
        for request in tick.result.run_requests or []
    }
    assert tick.runs == [
        ("2024-01-01", "2024-01-30", ("alpha_delta",), "missing"),
        ("2024-01-31", "2024-01-31", ("alpha", "alpha_delta"), "missing"),
    ]
    assert requested["2024-01-01", "2024-01-30"].asset_check_keys == []
    assert requested["2024-01-31", "2024-01-31"].asset_check_keys == [alpha_has_rows.check_key]


def test_a_failed_chunk_is_retried_by_quarters_and_not_again_before_the_delay(instance):
    FAILING_DAYS.add("2024-01-07")
    assert not _run(instance, [alpha], "2024-01-01", "2024-01-10").success
    sensor = _sensor(chunk_days=40)
    retry = _tick(instance, sensor)
    assert [r for r in retry.runs if r[3] == "retry"] == [
        ("2024-01-01", "2024-01-03", ("alpha", "alpha_delta"), "retry"),
        ("2024-01-04", "2024-01-06", ("alpha", "alpha_delta"), "retry"),
        ("2024-01-07", "2024-01-09", ("alpha", "alpha_delta"), "retry"),
        ("2024-01-10", "2024-01-10", ("alpha", "alpha_delta"), "retry"),
    ]
    again = _tick(instance, sensor, retry.cursor)
    assert [r for r in again.runs if r[3] == "retry"] == []


def test_a_configuration_error_is_held_back_until_the_code_is_reloaded_then_retried_whole(
    instance, monkeypatch
):
    CONFIGURATION_BROKEN.set()
    assert not _run(instance, [alpha, alpha_delta], "2024-01-01", "2024-01-31").success
    sensor = _sensor(chunk_days=40)
    first = _tick(instance, sensor)
    assert first.runs == []  # not bisected into quarters: the same code fails the same way
    assert first.skip_reason == (
        "every day is materialized, in progress or waiting for a retry; 1 failed run(s) held "
        "back until the code is reloaded"
    )
    assert _tick(instance, sensor, first.cursor).runs == []  # nor later, with the same code

    CONFIGURATION_BROKEN.clear()  # fixed, and the code location loaded anew
    monkeypatch.setattr("analytics_assets.automation.catch_up_cursor.LOAD_ID", "reloaded")
    after_reload = _tick(instance, sensor, first.cursor)
    both = ("alpha", "alpha_delta")
    assert after_reload.runs == [("2024-01-01", "2024-01-31", both, "retry_after_reload")]
    assert _tick(instance, sensor, after_reload.cursor).runs == []  # once


def test_a_bad_day_after_a_configuration_error_is_bisected_again(instance, monkeypatch):
    CONFIGURATION_BROKEN.set()
    assert not _run(instance, [alpha], "2024-01-01", "2024-01-08").success
    CONFIGURATION_BROKEN.clear()
    FAILING_DAYS.add("2024-01-02")
    assert not _run(instance, [alpha], "2024-01-01", "2024-01-08").success  # the newer failure
    retries = [run for run in _tick(instance, _sensor(chunk_days=40)).runs if run[3] != "missing"]
    assert retries == [
        ("2024-01-01", "2024-01-02", ("alpha", "alpha_delta"), "retry"),
        ("2024-01-03", "2024-01-04", ("alpha", "alpha_delta"), "retry"),
        ("2024-01-05", "2024-01-06", ("alpha", "alpha_delta"), "retry"),
        ("2024-01-07", "2024-01-08", ("alpha", "alpha_delta"), "retry"),
    ]


def test_an_earlier_first_date_adds_only_the_new_days(instance):
    FAILING_DAYS.clear()
    RELEASE.set()
    assert _run(instance, [alpha, alpha_delta], "2024-01-01", "2024-01-31").success
    assert _tick(instance, _sensor()).runs == []
    earlier = make_assets(
        dg.DailyPartitionsDefinition(start_date="2023-12-25", timezone="Europe/Paris")
    )
    result = _tick(instance, _sensor(), assets=earlier)
    assert result.runs == [
        ("2023-12-25", "2023-12-31", ("alpha", "alpha_delta"), "missing"),
    ]


def test_families_missing_the_same_days_share_one_run_and_a_view_waits_for_its_table():
    days = ["2024-01-01", "2024-01-02", "2024-01-03"]
    table, view, other = dg.AssetKey("table"), dg.AssetKey("table_delta"), dg.AssetKey("other")
    materialized = dg.AssetPartitionStatus.MATERIALIZED
    statuses = {
        table: {"2024-01-01": materialized},
        view: {},
        other: {"2024-01-01": materialized},
    }
    chunks = plan_catch_up(days, [[table, view], [other]], statuses, busy={}, chunk_days=10)
    assert [(c.first, c.last, c.assets, c.reason.value) for c in chunks] == [
        ("2024-01-01", "2024-01-01", (view,), "missing"),
        ("2024-01-02", "2024-01-03", (other, table, view), "missing"),
    ]
