"""Extractor classes -> Dagster assets: a daily-partitioned extract asset and its delta view asset.

The extract asset of a run covers one day or a contiguous range (single-run backfills):
for each local day it calls ``extract(start, end)``, validates and stages the rows, and
hands them to the BigQuery IO manager, which replaces exactly those days atomically.
The delta view asset re-creates ``<table>_delta`` and reports the day's differences.
"""

import datetime as dt
import functools
import os
import tempfile
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg

from analytics_assets.extract.extractor import (
    DateAggregatedExtractor,
    Extractor,
    day_window,
    last_complete_day,
)
from analytics_assets.extract.rows import RowStager, RowValidationError, StagedRows
from analytics_assets.extract.schema import TableSpec
from analytics_assets.extract.transient import backoff_seconds, is_transient
from analytics_assets.extract.views import delta_view_sql
from analytics_assets.warehouse.resource import BigQueryWarehouse

EXTRACT_GROUP = "extractors"
DELTA_GROUP = "delta_views"
IO_MANAGER_KEY = "bigquery_io_manager"
#: Extractors whose source is plain Python need no resource.
PLAIN_PYTHON_SOURCE = "python"


@dataclass(frozen=True)
class RunPolicy:
    """How extract assets behave in runs: retries of transient failures, freshness deadline.

    ``fresh_by_hour``: the hour (local time) by which yesterday's partition should exist;
    the UI flags the asset as late after it. None: no freshness policy.
    """

    max_retries: int = 0
    retry_delay_seconds: float = 20.0
    fresh_by_hour: int | None = None


class ExtractorFailedError(RuntimeError):
    """An extractor's own code raised while reading its source."""


class IncompleteDayError(RuntimeError):
    """A partition whose local day has not ended yet was asked for."""


def column_schema(spec: TableSpec) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=c.name,
                type=c.bigquery_type,
                description=c.options.description,
                constraints=dg.TableColumnConstraints(nullable=c.nullable),
                tags={"differentiated": ""} if c.differentiate else None,
            )
            for c in spec.columns
        ]
    )


def _days_of(context: dg.AssetExecutionContext) -> list[dt.date]:
    return [dt.date.fromisoformat(key) for key in context.partition_keys]


def refuse_incomplete_days(days: Sequence[dt.date], tz: ZoneInfo) -> None:
    """Raise :class:`IncompleteDayError` if a day of ``days`` has not ended yet in ``tz``."""
    last = last_complete_day(dt.datetime.now(dt.UTC), tz)
    unfinished = [d for d in days if d > last]
    if unfinished:
        raise IncompleteDayError(
            f"day {unfinished[0]} has not ended yet in {tz.key}; the last complete day is {last}"
        )


def required_resource_keys(extractor_cls: type[Extractor]) -> set[str]:
    """The resource ``extractor_cls`` needs: the one named by its source, none for plain Python."""
    return set() if extractor_cls.source == PLAIN_PYTHON_SOURCE else {extractor_cls.source}


def extractor_resources(extractor_cls: type[Extractor], resources: Any) -> dict[str, Any]:
    """What ``extractor_cls`` is built with: the resource named by its source, if any.

    ``resources`` exposes initialized resources as attributes (``context.resources`` in a
    run, what ``dg.build_resources`` yields in the dry run).
    """
    return {key: getattr(resources, key) for key in required_resource_keys(extractor_cls)}


def extracted_days(
    extractor: Extractor[Any], days: Sequence[dt.date], tz: ZoneInfo
) -> Iterator[tuple[dt.date, tuple[dt.datetime, dt.datetime], Iterable[Any]]]:
    """Each day of ``days`` with its local window and the (unchecked) rows ``extractor`` gives.

    A date-aggregated extractor that answers ranges (``extract_days``) is asked once for
    all the days; any other is called per day. An extractor that raises when called fails
    with :class:`ExtractorFailedError` naming the day or days; errors while its rows are
    read are the caller's to wrap.
    """
    windows = [day_window(day, tz) for day in days]
    if (
        len(days) > 1
        and isinstance(extractor, DateAggregatedExtractor)
        and extractor.extracts_ranges()
    ):
        yield from _extracted_range(extractor, days, windows)
        return
    name = type(extractor).table.name
    for day, window in zip(days, windows, strict=True):
        try:
            rows = extractor.extract(*window)
        except RowValidationError:
            raise
        except Exception as error:
            raise extractor_failure(name, day, window, error) from error
        yield day, window, rows


def _extracted_range(
    extractor: DateAggregatedExtractor[Any],
    days: Sequence[dt.date],
    windows: Sequence[tuple[dt.datetime, dt.datetime]],
) -> Iterator[tuple[dt.date, tuple[dt.datetime, dt.datetime], Iterable[Any]]]:
    name = type(extractor).table.name
    try:
        rows = list(extractor.extract_days(windows))
    except RowValidationError:
        raise
    except Exception as error:
        raise ExtractorFailedError(
            f"extractor {name!r} failed on days {days[0]} to {days[-1]} (windows from "
            f"{windows[0][0].isoformat()} to {windows[-1][1].isoformat()}): "
            f"{type(error).__name__}: {error}"
        ) from error
    if len(rows) != len(days):
        raise RowValidationError(
            f"extractor {name!r}, days {days[0]} to {days[-1]}: extract_days must yield exactly "
            f"one row per day, it yielded {len(rows)} for {len(days)} days"
        )
    for day, window, row in zip(days, windows, rows, strict=True):
        yield day, window, [row]


#: Runs over more days log one summary line instead of a line per day (each line is an
#: event Dagster stores: a line per day cost a tenth of a catch-up).
LOGGED_DAYS = 10


def stage_days(
    extractor: Extractor[Any], days: Sequence[dt.date], tz: ZoneInfo, path: Path, log: Any = None
) -> StagedRows:
    """Run ``extractor`` for each day and stage its validated rows in the parquet file ``path``."""
    spec = type(extractor).table
    name = spec.name
    per_day = log is not None and len(days) <= LOGGED_DAYS
    with RowStager(spec, type(extractor).row_type, name, path) as stager:
        for day, window, rows in extracted_days(extractor, days, tz):
            try:
                count = stager.add_day(day, window, rows)
            except RowValidationError:
                raise
            except Exception as error:
                raise extractor_failure(name, day, window, error) from error
            if per_day and log is not None:
                log.info(
                    f"{name} {day} [{window[0].isoformat()}, {window[1].isoformat()}): {count} rows"
                )
    staged = stager.staged
    if log is not None and not per_day:
        counts = staged.rows_per_day.values()
        log.info(
            f"{name} {days[0]} to {days[-1]}: {staged.total_rows} rows over {len(days)} days "
            f"({min(counts)} to {max(counts)} a day; each day's count is in its partition's "
            "dagster/row_count)"
        )
    return staged


def extractor_failure(
    name: str, day: dt.date, window: tuple[dt.datetime, dt.datetime], error: Exception
) -> ExtractorFailedError:
    return ExtractorFailedError(
        f"extractor {name!r} failed on day {day} (window {window[0].isoformat()} to "
        f"{window[1].isoformat()}): {type(error).__name__}: {error}"
    )


@functools.cache
def _freshness(policy: RunPolicy, tz: str) -> dg.FreshnessPolicy | None:
    """One shared policy per (policy, zone): building one walks a thousand cron ticks (15 ms)."""
    if policy.fresh_by_hour is None:
        return None
    return dg.FreshnessPolicy.cron(
        deadline_cron=f"0 {policy.fresh_by_hour} * * *",
        lower_bound_delta=dt.timedelta(hours=policy.fresh_by_hour),
        timezone=tz,
    )


def _stage_with_retries(
    context: dg.AssetExecutionContext,
    extractor: Extractor[Any],
    days: Sequence[dt.date],
    tz: ZoneInfo,
    path: Path,
    policy: RunPolicy,
) -> StagedRows:
    try:
        return stage_days(extractor, days, tz, path, context.log)
    except Exception as error:
        path.unlink(missing_ok=True)
        if is_transient(error) and context.retry_number < policy.max_retries:
            wait = backoff_seconds(policy.retry_delay_seconds, context.retry_number)
            context.log.warning(
                f"transient failure (attempt {context.retry_number + 1} of "
                f"{policy.max_retries + 1}), retrying in {wait:.0f} s: {error}"
            )
            raise dg.RetryRequested(max_retries=policy.max_retries, seconds_to_wait=wait) from error
        raise
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def build_extract_asset(
    extractor_cls: type[Extractor[Any]],
    partitions_def: dg.TimeWindowPartitionsDefinition,
    table_prefix: str,
    policy: RunPolicy | None = None,
) -> dg.AssetsDefinition:
    policy = policy or RunPolicy()
    spec = extractor_cls.table
    tz = ZoneInfo(partitions_def.timezone)

    @dg.asset(
        name=spec.name,
        partitions_def=partitions_def,
        backfill_policy=dg.BackfillPolicy.single_run(),
        io_manager_key=IO_MANAGER_KEY,
        required_resource_keys=required_resource_keys(extractor_cls),
        kinds={"bigquery", extractor_cls.source},
        owners=list(extractor_cls.owners),
        group_name=EXTRACT_GROUP,
        # One writer per table at a time: runs touching the same table queue (dagster.yaml).
        pool=f"bigquery_table_{spec.name}",
        freshness_policy=_freshness(policy, partitions_def.timezone),
        description=spec.description or None,
        tags={"extractor_kind": spec.kind.value},
        metadata={
            "dagster/column_schema": column_schema(spec),
            "dagster/table_name": f"{table_prefix}.{spec.name}",
            "extractor": f"{extractor_cls.__module__}.{extractor_cls.__qualname__}",
            "partition_expr": "date",
        },
    )
    def extract_asset(context: dg.AssetExecutionContext) -> StagedRows:
        days = _days_of(context)
        refuse_incomplete_days(days, tz)
        extractor = extractor_cls(resources=extractor_resources(extractor_cls, context.resources))
        descriptor, name = tempfile.mkstemp(prefix=f"{spec.name}-", suffix=".parquet")
        os.close(descriptor)
        staged = _stage_with_retries(context, extractor, days, tz, Path(name), policy)
        for day, count in staged.rows_per_day.items():
            context.add_asset_metadata({"dagster/row_count": count}, partition_key=day.isoformat())
        return staged

    return extract_asset


def _metadata_number(value: Any) -> dg.MetadataValue | None:
    if value is None or value != value:  # NULL or NaN
        return None
    if isinstance(value, int | bool):
        return dg.MetadataValue.int(int(value))
    if isinstance(value, Decimal | float):
        return dg.MetadataValue.float(float(value))
    return None


def build_delta_view_asset(
    spec: TableSpec,
    partitions_def: dg.TimeWindowPartitionsDefinition,
    table_prefix: str,
) -> dg.AssetsDefinition:
    view_name = spec.delta_view_name
    differentiated = [c.name for c in spec.differentiated]

    @dg.asset(
        name=view_name,
        deps=[spec.name],
        partitions_def=partitions_def,
        backfill_policy=dg.BackfillPolicy.single_run(),
        kinds={"bigquery"},
        group_name=DELTA_GROUP,
        description=(
            f"Day-over-day differences of {', '.join(differentiated)} in {spec.name}: "
            "value minus the previous calendar day's; the raw value on the first day and "
            "after a gap; NULL when either value is NULL."
        ),
        metadata={
            "dagster/column_schema": dg.TableSchema(
                columns=[
                    dg.TableColumn(c.name, c.bigquery_type)
                    for c in spec.columns
                    if c.name == "date" or c.differentiate
                ]
            ),
            "dagster/table_name": f"{table_prefix}.{view_name}",
        },
    )
    def delta_view_asset(
        context: dg.AssetExecutionContext, warehouse: BigQueryWarehouse
    ) -> dg.MaterializeResult:
        sql = delta_view_sql(spec, warehouse.table_id(spec.name))
        view_id = warehouse.table_id(view_name)
        warehouse.run_query(f"CREATE OR REPLACE VIEW `{view_id}` AS\n{sql}", view_name)
        days = _days_of(context)
        frame = warehouse.read_days(view_name, days)
        for record in frame.to_dict("records"):
            day = record["date"]
            numbers = {name: _metadata_number(record[name]) for name in differentiated}
            context.add_asset_metadata(
                {name: value for name, value in numbers.items() if value is not None},
                partition_key=day.isoformat(),
            )
        return dg.MaterializeResult(
            metadata={
                "dagster/table_name": view_id,
                "view_sql": dg.MetadataValue.md(f"```sql\n{sql}\n```"),
            }
        )

    return delta_view_asset


def build_extractor_assets(
    extractors: Sequence[type[Extractor[Any]]],
    partitions_def: dg.TimeWindowPartitionsDefinition,
    table_prefix: str,
    policy: RunPolicy | None = None,
) -> list[dg.AssetsDefinition]:
    assets = []
    with warnings.catch_warnings():
        # BackfillPolicy is flagged beta on every asset; it is the point of this design
        # (DESIGN.md), so the warning would only repeat once per asset in every log.
        warnings.simplefilter("ignore", dg.BetaWarning)
        for extractor_cls in extractors:
            assets.append(build_extract_asset(extractor_cls, partitions_def, table_prefix, policy))
            if extractor_cls.table.differentiated:
                spec = extractor_cls.table
                assets.append(build_delta_view_asset(spec, partitions_def, table_prefix))
    return assets
