"""The quiet terminal of `analytics-assets dev` keeps start-up, runs' starts and ends, warnings and
errors, and drops each run's per-day events (lines as `dagster dev` 1.13 prints them).

The whole command during a real catch-up is tested in test_browser_user_day.py (one
`analytics-assets dev` session serves both).
"""

from __future__ import annotations

import os
import sys

import pytest

from analytics_assets.dev_run_ends import RunEndWatcher
from analytics_assets.dev_stack import run_dagster_dev
from analytics_assets.dev_terminal import QuietFilter
from analytics_assets.local.network import free_port
from analytics_assets_tests.http_servers import json_server

RUN = "__ASSET_JOB - ecf0cf4c-d892-45c7-8110-d2a7cf743a80 - 5696"
T = "2026-11-29 17:06:09 +0000"
CATCH_UP_OUTPUT = f"""\
Starting dagster dev on http://127.0.0.1:3000
\x1b[32m{T}\x1b[0m - dagster - \x1b[34mINFO\x1b[0m - Launching Dagster services...
{T} - dagster - INFO - __repository__ - catch_up_missing_days - catch-up run requested: missing \
2024-01-01..2024-03-30 of contract, email, user, user_delta
\x1b[32m{T}\x1b[0m - dagster-webserver - \x1b[34mINFO\x1b[0m - Serving dagster-webserver on \
http://127.0.0.1:3000 in process 31691
\x1b[32m{T}\x1b[0m - dagster.daemon.BackfillDaemon - \x1b[34mINFO\x1b[0m - Root assets that have \
not yet been requested:
- contract: {{90 partitions: 2024-01-01 -> 2024-03-30}}
- email: {{90 partitions: 2024-01-01 -> 2024-03-30}}

**Assets requested by this iteration:**
{T} - dagster - DEBUG - {RUN} - RUN_START - Started execution of run for "__ASSET_JOB".
{T} - dagster - DEBUG - {RUN} - user - STEP_START - Started execution of step "user".
{T} - dagster - INFO - {RUN} - user - user 2024-01-01 to 2024-03-30: 90 rows over 90 days
{T} - dagster - DEBUG - {RUN} - user - ASSET_MATERIALIZATION - Materialized value user.
{T} - dagster - DEBUG - {RUN} - user - ASSET_MATERIALIZATION - Materialized value user.
{T} - dagster - INFO - {RUN[:-7]} - support_ticket - GET /api/tickets/: 1 pages, 5 items
{T} - dagster - DEBUG - {RUN} - user_checks - ASSET_CHECK_EVALUATION - Asset check \
'one_row_per_day' on 'user' passed.
{T} - dagster - WARNING - {RUN[:-7]} - support_ticket - GET /api/tickets/: 503, retrying in 1 s
{T} - dagster - DEBUG - {RUN} - RUN_SUCCESS - Finished execution of run for "__ASSET_JOB".
{T} - dagster - ERROR - {RUN} - RUN_FAILURE - Execution of run for "__ASSET_JOB" failed.

dagster._core.errors.DagsterExecutionInterruptedError

Stack Trace:
  File "/venv/dagster/_core/execution/api.py", line 742, in job_execution_iterator
{T} - dagster - DEBUG - {RUN} - ENGINE_EVENT - Process for run exited (pid: 5696).
/venv/lib/python3.11/site-packages/x.py:12: FutureWarning: this will change
  warnings.warn("this will change")
{T} - dagster - DEBUG - {RUN} - user - STEP_SUCCESS - Finished execution of step "user".
"""


def _kept(output: str) -> list[str]:
    return [line.rstrip("\n") for line in QuietFilter().lines(output.splitlines(keepends=True))]


def test_the_quiet_terminal_keeps_start_up_runs_warnings_and_errors_and_drops_each_days_events():
    kept = _kept(CATCH_UP_OUTPUT)
    assert [line.split(" - ")[-1] if " - " in line else line for line in kept] == [
        "Starting dagster dev on http://127.0.0.1:3000",
        "catch-up run requested: missing 2024-01-01..2024-03-30 of contract, email, user, "
        "user_delta",
        'Started execution of run for "__ASSET_JOB".',
        "GET /api/tickets/: 503, retrying in 1 s",
        'Finished execution of run for "__ASSET_JOB".',
        'Execution of run for "__ASSET_JOB" failed.',
        "",
        "dagster._core.errors.DagsterExecutionInterruptedError",
        "",
        "Stack Trace:",
        "  [1 frame in dagster/analytics_assets; --verbose shows them]",
        "/venv/lib/python3.11/site-packages/x.py:12: FutureWarning: this will change",
        '  warnings.warn("this will change")',
    ]


def test_no_line_of_a_days_event_or_a_backfill_status_block_is_kept():
    kept = "\n".join(_kept(CATCH_UP_OUTPUT))
    for dropped in (
        "Materialized value",
        "ASSET_CHECK_EVALUATION",
        "STEP_START",
        "90 partitions",
        "Assets requested by this iteration",
        "Serving dagster-webserver",
        "GET /api/tickets/: 1 pages",
    ):
        assert dropped not in kept


def test_dagster_dev_services_log_warnings_only_unless_verbose():
    from analytics_assets.dev_stack import SUPERSEDED_DEV_WARNING, dagster_dev_command

    quiet = dagster_dev_command("127.0.0.1", 3000, verbose=False)
    assert quiet[quiet.index("--log-level") + 1] == "warning"
    verbose = dagster_dev_command("127.0.0.1", 3000, verbose=True)
    assert verbose[verbose.index("--log-level") + 1] == "info"
    assert quiet[1:3] == ["-W", SUPERSEDED_DEV_WARNING] == verbose[1:3]


DAGSTER = "/venv/lib/python3.11/site-packages/dagster/_core/execution/plan"
OURS = "/venv/lib/python3.11/site-packages/analytics_assets/rows"
FAILED = "analytics_assets.rows.extraction.ExtractorFailedError: extractor 'order' failed on day \
2026-11-05 (window 2026-11-05T00:00:00+01:00 to 2026-11-06T00:00:00+01:00): DivisionByZero"
CAUSE = "decimal.DivisionByZero: [<class 'decimal.DivisionByZero'>]"
USER_FRAME = """\
  File "/app/acme_analytics/extractors/orders.py", line 27, in extract
    yield Order(placed_at, amount / _rate(status), status)
                           ~~~~~~~^~~~~~~~~~~~~~~
"""


def _frames(folder: str, count: int) -> str:
    return "".join(
        f'  File "{folder}/step_{n}.py", line {n}, in step_{n}\n    yield\n    ^^^^^\n'
        for n in range(count)
    )


def _chain(wrapper: str, dagster_frames: int, extractor_repeated: bool = False) -> str:
    return (
        f"\n{wrapper}\n\nStack Trace:\n{_frames(DAGSTER, dagster_frames)}"
        "\nThe above exception was caused by the following exception:\n"
        f"{FAILED}\n\nStack Trace:\n{_frames(DAGSTER, 4)}{_frames(OURS, 6)}"
        "\nThe above exception was caused by the following exception:\n"
        f"{CAUSE}\n\nStack Trace:\n{_frames(OURS, 1)}{USER_FRAME}\n"
    )


#: A failed extract as a run worker prints it (Dagster 1.13): the step's failure, the
#: skipped checks, then the run's failure repeating the step's error inside another wrapper.
FAILED_RUN_OUTPUT = (
    f'{T} - dagster - DEBUG - {RUN} - RUN_START - Started execution of run for "__ASSET_JOB".\n'
    f'{T} - dagster - ERROR - {RUN} - order - STEP_FAILURE - Execution of step "order" failed.\n'
    + _chain('dagster._core.errors.DagsterExecutionStepExecutionError: Error in op "order"::', 0)
    + f"{T} - dagster - ERROR - {RUN} - order_checks - Dependencies for step order_checks "
    "failed: ['order']. Not executing.\n"
    f'{T} - dagster - ERROR - {RUN} - RUN_FAILURE - Execution of run for "__ASSET_JOB" failed.\n'
    + _chain('dagster._core.errors.DagsterExecutionStepExecutionError: Error in op "order":', 9)
    + f"{T} - dagster - ERROR - {RUN[:-7]} - __repository__ - notify_failed_runs - run failed\n"
)


def test_a_failed_run_prints_its_error_once_with_the_users_frames_and_dagsters_folded():
    kept = _kept(FAILED_RUN_OUTPUT)
    text = "\n".join(kept)
    assert len(FAILED_RUN_OUTPUT.splitlines()) == 134
    assert len(kept) == 39
    assert text.count(FAILED) == 2 and text.count(CAUSE) == 2  # the step's, then the run's
    assert text.count(USER_FRAME.rstrip("\n")) == 1  # the user's own frame, once
    assert text.count("(its traceback is printed above)") == 2
    assert "  [10 frames in dagster/analytics_assets; --verbose shows them]" in kept
    assert "  [9 frames in dagster/analytics_assets; --verbose shows them]" in kept
    assert "step_0.py" not in text
    assert kept[-1].endswith("notify_failed_runs - run failed")


def test_the_same_error_in_another_run_is_printed_whole_again():
    other_run = FAILED_RUN_OUTPUT.replace(RUN, RUN.replace("ecf0cf4c", "0badf00d"))
    kept = _kept(FAILED_RUN_OUTPUT + other_run)
    assert "\n".join(kept).count(USER_FRAME.rstrip("\n")) == 2


@pytest.mark.parametrize("verbose", [False, True])
def test_a_dead_daemon_makes_the_dev_command_exit_non_zero_saying_so(verbose, capsys):
    # dagster dev's own words when its daemon dies, after which it stops and exits 0
    died = "dagster-daemon process shut down unexpectedly with return code 1"
    command = [
        sys.executable,
        "-c",
        f"print('{T} - dagster - ERROR - An unexpected exception has occurred'); print('{died}')",
    ]
    code = run_dagster_dev("127.0.0.1", free_port(), dict(os.environ), verbose, command)
    assert code == 1
    assert capsys.readouterr().err.strip() == (
        "analytics-assets dev: dagster-daemon stopped unexpectedly (return code 1); "
        "Dagster stopped."
    )


def test_a_clean_stop_keeps_the_dev_command_s_exit_code():
    command = [sys.executable, "-c", "print('Dagster services shut down.')"]
    assert run_dagster_dev("127.0.0.1", free_port(), dict(os.environ), False, command) == 0


KILLED, REPORTED, JUST_ENDED = (f"{n}" * 8 + "-0000-0000-0000-" + f"{n}" * 12 for n in "abc")


def _ended_runs(path: str, body: bytes) -> tuple[int, dict]:
    assert path == "/graphql" and b"updatedAfter" in body
    runs = [
        {"runId": KILLED, "jobName": "__ASSET_JOB", "status": "FAILURE", "endTime": 1000.0},
        {"runId": REPORTED, "jobName": "__ASSET_JOB", "status": "FAILURE", "endTime": 1000.0},
        {"runId": JUST_ENDED, "jobName": "__ASSET_JOB", "status": "CANCELED", "endTime": 1095.0},
    ]
    return 200, {"data": {"runsOrError": {"results": runs}}}


def test_a_killed_run_s_end_is_printed_once_from_the_ui_when_its_worker_could_not_print_it():
    with json_server(lambda *_: (404, {}), _ended_runs) as ui:
        ends = RunEndWatcher(ui.url, started_at=900.0)
        ends.saw(f"{T} - dagster - ERROR - __ASSET_JOB - {REPORTED} - 77 - RUN_FAILURE - failed.")
        (line,) = ends.untold_ends(now=1100.0)  # the canceled run may still print its end
        assert line.endswith(f"{ui.url}/runs/{KILLED}\n")
        assert f" - dagster - ERROR - __ASSET_JOB - {KILLED} - RUN_FAILURE - " in line
        assert "its worker was killed or died" in line
        assert ends.untold_ends(now=1100.0) == []
        assert [canceled.split(" - ")[4:6] for canceled in ends.untold_ends(now=1200.0)] == [
            [JUST_ENDED, "RUN_CANCELED"]
        ]
