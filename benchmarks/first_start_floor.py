"""The raw floor of the demo's first start, run as its own process by :mod:`benchmarks.first_start`.

The same work as ``analytics-assets dev`` up to every day green, without Dagster: start
the embedded emulator (same data folder and port settings) and, while it starts, seed the
demo history (the same :func:`~analytics_assets.demo.history.ensure_demo_database`), then
every extractor, the support desk's included, from the first date to yesterday straight to
one parquet load per table (:func:`benchmarks.catch_up.run_raw_floor`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os


def main() -> None:
    from analytics_assets.extract import last_complete_day
    from analytics_assets.local.config import EMULATOR_PROJECT, load_emulator_settings
    from analytics_assets.local.emulator_process import EmbeddedEmulator
    from analytics_assets.settings import load_settings

    settings = load_settings()
    emulator = load_emulator_settings(settings.local_dir)
    with EmbeddedEmulator.start(
        emulator.data_dir, emulator.port, EMULATOR_PROJECT, detached=False, wait=False
    ) as started:
        os.environ["BIGQUERY_EMULATOR_URL"] = started.url
        from analytics_assets.demo.history import ensure_demo_database

        ensure_demo_database()  # while the emulator starts, as `analytics-assets dev` does
        started.wait_until_healthy()
        from benchmarks.catch_up import run_raw_floor
        from benchmarks.config import QUICK
        from benchmarks.location import load_location

        location = load_location()
        every = dataclasses.replace(
            location,
            extractors=(*location.extractors, *_excluded(location.excluded)),
            excluded=(),
        )
        yesterday = last_complete_day(dt.datetime.now(dt.UTC), settings.tz)
        config = dataclasses.replace(QUICK, first_date=settings.first_date, last_date=yesterday)
        rows = run_raw_floor(every, config)
        print(rows, flush=True)


def _excluded(names: tuple[str, ...]) -> tuple[type, ...]:
    from analytics_assets.environments import load_extractors
    from analytics_assets.settings import load_settings

    every, _ = load_extractors(load_settings())
    return tuple(cls for cls in every if cls.table.name in names)


if __name__ == "__main__":
    main()
