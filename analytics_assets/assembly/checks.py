"""The data checks of each extractor's table as Dagster asset checks: one evaluation per day.

Every check is partitioned like its asset (``AssetCheckSpec(partitions_def=...)``) and the
checks of a table are one subsettable ``multi_asset_check``, one step per run:

* in a run that materializes days, each check yields one evaluation per day of the run,
  against that day's materialization: the check's history gets one row per day it
  checked, its *Partitions* tab the status of each day, and a failing day shows as
  failing even when the run's other days pass. (An unpartitioned check in a backfill run
  would get one "Skipped" row per day of the run instead, measured on Dagster 1.13.27.)
* run alone (the UI's *Execute all*, no partition), each check checks every day Dagster
  records as materialized (:mod:`analytics_assets.assembly.check_scope`) and yields one
  summary evaluation (the run's one row in its history), plus one evaluation for each
  failing day (its *Partitions* status turns failed; materializing the day again re-checks
  it) — or, for a check whose verdict covers everything up to a day (``cumulative``), one
  for the newest day.

The checks themselves are in :mod:`analytics_assets.assembly.table_checks`.
"""

# No `from __future__ import annotations`: Dagster reads the context annotation at runtime.
import warnings
from collections.abc import Iterator

import dagster as dg

from analytics_assets.assembly.check_scope import CheckScope, run_days
from analytics_assets.assembly.dagster_private import day_evaluation
from analytics_assets.assembly.location_names import LocationNames
from analytics_assets.assembly.table_checks import DayResults, TableCheck, shown, table_checks
from analytics_assets.extract.schema import TableSpec
from analytics_assets.warehouse.resource import BigQueryWarehouse


class CheckExecutionError(RuntimeError):
    """A check could not be evaluated (its query failed): it has no result, passed or not."""


def build_extractor_checks(
    spec: TableSpec,
    partitions_def: dg.TimeWindowPartitionsDefinition,
    names: LocationNames = LocationNames(),
) -> list[dg.AssetChecksDefinition]:
    """The checks of ``spec``'s table as one subsettable definition: one step in a run.

    A step per check would cost a run a step's events and the code location an op
    definition per check; each check is still its own key in the UI. A check whose query
    fails does not stop the others: the step fails after them, with one error naming the
    checks that could not run.
    """
    key = names.asset_key(spec.name)
    checks = table_checks(spec)
    with warnings.catch_warnings():
        # A partitioned check spec is flagged preview on every table; it is the point of
        # this design (module docstring), so the warning would only repeat at every load.
        warnings.simplefilter("ignore", dg.PreviewWarning)
        specs = [
            dg.AssetCheckSpec(
                check.name, asset=key, description=check.description, partitions_def=partitions_def
            )
            for check in checks
        ]

    @dg.multi_asset_check(
        name=names.checks_op(spec.name),
        specs=specs,
        can_subset=True,
        required_resource_keys={names.warehouse},
    )
    def extractor_checks(
        context: dg.AssetCheckExecutionContext,
    ) -> Iterator[dg.AssetCheckEvaluation | dg.Output]:
        warehouse: BigQueryWarehouse = getattr(context.resources, names.warehouse)
        selected = {check_key.name for check_key in context.selected_asset_check_keys}
        scope = CheckScope(
            spec, key, partitions_def, context.instance, warehouse, run_days(context)
        )
        checks_def = context.op_execution_context.assets_def
        output_names = {
            spec.key: name for name, spec in checks_def.check_specs_by_output_name.items()
        }
        failures: list[str] = []
        for check in checks:
            if check.name not in selected:
                continue
            try:
                results = check.evaluate(scope)
            except Exception as error:
                context.log.exception(f"check {check.name} of {spec.name} could not run")
                first_line = (str(error).splitlines() or [""])[0]
                failures.append(f"{check.name}: {type(error).__name__}: {first_line}")
                continue
            check_key = dg.AssetCheckKey(key, check.name)
            yield from evaluations(check, check_key, scope, results)
            # the check's output, as Dagster yields it for an AssetCheckResult: without it the
            # step logs that it "did not yield or return expected outputs"
            yield dg.Output(None, output_name=output_names[check_key])
        if failures:
            raise CheckExecutionError(
                f"checks of table {spec.name!r} could not run: " + "; ".join(failures)
            )

    return [extractor_checks]


def evaluations(
    check: TableCheck, check_key: dg.AssetCheckKey, scope: CheckScope, results: DayResults
) -> Iterator[dg.AssetCheckEvaluation]:
    """What the check reports: a run's days one by one, or a summary of a checks-alone run."""
    if scope.checks_alone:
        newest = [max(results)] if results else []
        days = newest if check.cumulative else [d for d, r in results.items() if not r.passed]
    else:
        days = scope.days
    for day in sorted(days):
        result = results[day]
        yield day_evaluation(
            check_key,
            day=day.isoformat(),
            passed=result.passed,
            severity=result.severity or check.severity,
            metadata=result.metadata,
            description=result.description,
            materialization=scope.materializations.get(day.isoformat()),
        )
    if scope.checks_alone:
        yield _summary(check, check_key, results)


def _summary(
    check: TableCheck, check_key: dg.AssetCheckKey, results: DayResults
) -> dg.AssetCheckEvaluation:
    """The one evaluation of a checks-alone run that covers every day it checked."""
    if not results:
        return dg.AssetCheckEvaluation(
            asset_key=check_key.asset_key,
            check_name=check_key.name,
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"days_checked": 0},
            description=f"no day of {check_key.asset_key.to_user_string()} is materialized: "
            "nothing was checked",
        )
    days = sorted(results)
    window = f"{days[0]}..{days[-1]}" if len(days) > 1 else str(days[0])
    # a cumulative verdict is the newest day's; otherwise every failing day counts
    judged = [results[days[-1]]] if check.cumulative else [results[day] for day in days]
    failing = [result for result in judged if not result.passed]
    metadata = {"days_checked": len(days), "window": window, "failed_days": len(failing)}
    if check.cumulative:
        metadata |= results[days[-1]].metadata
    else:
        metadata["failures"] = shown([r.description for r in failing]) or "none"
    checked = f"{len(days)} materialized day{'s' if len(days) > 1 else ''} ({window})"
    if not failing:
        outcome = "passed"
    elif check.cumulative:
        outcome = str(failing[0].description)
    else:
        outcome = f"{len(failing)} failed; {failing[0].description}"
    severities = {result.severity or check.severity for result in failing}
    return dg.AssetCheckEvaluation(
        asset_key=check_key.asset_key,
        check_name=check_key.name,
        passed=not failing,
        severity=min(severities, key=_SEVERITY_ORDER.index) if failing else check.severity,
        metadata=metadata,
        description=f"{checked}: {outcome}",
    )


#: The most serious first: a summary has the severity of its most serious failing day.
_SEVERITY_ORDER = [dg.AssetCheckSeverity.ERROR, dg.AssetCheckSeverity.WARN]
