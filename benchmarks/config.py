"""The sizes of a benchmark run: the full one of issue #6 and the quick smoke run."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from analytics_assets.settings import CATCH_UP_CHUNK_DAYS


@dataclass(frozen=True)
class BenchmarkConfig:
    """What one benchmark run measures, and how often it repeats each measurement."""

    name: str
    #: Demo history: every local day from ``first_date`` to ``last_date`` inclusive.
    first_date: dt.date
    last_date: dt.date
    #: ANALYTICS_DEMO_SCALE of the seeded history (180: about 10.5 million emails in 3 years).
    scale: float
    #: ANALYTICS_CATCH_UP_CHUNK_DAYS: days per run of the catch-up.
    chunk_days: int
    #: Days run one partition per run (the stock baseline), spread over the history.
    stock_sample_days: int
    #: Of those, days also run as a launched run: a fresh process loading the code location.
    stock_launched_days: int
    #: Repetitions of the daily run (medians are reported).
    daily_repetitions: int
    #: Rows of the big individual-rows day, and its repetitions.
    big_day_rows: int
    big_day_repetitions: int
    #: Extractors generated for the code-location load, and fresh imports timed per variant.
    generated_extractors: int
    load_repetitions: int
    #: Load once before timing, so the generated modules are compiled (as in a deployed image).
    warm_load: bool = True
    #: Also count the +N load's instructions under valgrind (about 2 minutes, both at once).
    count_load_instructions: bool = False
    timezone: str = "Europe/Paris"
    #: Catch-ups per instance, interleaved with the raw floor (medians are reported).
    catch_up_repetitions: int = 1
    #: Linearity: catch-up of these many years with this many generated extractors, and of
    #: this many days with each count of generated extractors; repetitions (none: skipped).
    linearity_years: tuple[float, ...] = ()
    linearity_year_extractors: int = 1
    linearity_extractors: tuple[int, ...] = ()
    linearity_extractor_days: int = 30
    linearity_repetitions: int = 3

    @property
    def days(self) -> int:
        return (self.last_date - self.first_date).days + 1

    def resized(
        self,
        days: int | None = None,
        scale: float | None = None,
        repetitions: int | None = None,
        chunk_days: int | None = None,
    ) -> BenchmarkConfig:
        """This run over the last ``days`` of its history, seeded at ``scale``, repeated, with
        catch-up runs of ``chunk_days``."""
        first = self.first_date if days is None else self.last_date - dt.timedelta(days=days - 1)
        as_is = days is None and scale is None and chunk_days is None
        return dataclasses.replace(
            self,
            name=self.name if as_is else f"{self.name}, resized",
            first_date=first,
            scale=self.scale if scale is None else scale,
            catch_up_repetitions=repetitions or self.catch_up_repetitions,
            chunk_days=chunk_days or self.chunk_days,
        )


FULL = BenchmarkConfig(
    name="full",
    first_date=dt.date(2023, 1, 1),
    last_date=dt.date(2025, 12, 31),
    scale=180.0,
    chunk_days=CATCH_UP_CHUNK_DAYS,  # the product's default
    stock_sample_days=6,
    stock_launched_days=3,
    daily_repetitions=5,
    big_day_rows=1_000_000,
    big_day_repetitions=3,
    generated_extractors=200,
    load_repetitions=9,
    count_load_instructions=True,
    catch_up_repetitions=3,
    # the 1, 3 and 10 years (365, 1,095 and 3,650 days: 1, 3 and 10 catch-up runs of
    # the product's 365 days) and 10 vs 50 extractors over 10 days: about 8 minutes
    linearity_years=(1, 3, 10),
    linearity_extractors=(10, 50),
    linearity_extractor_days=10,
)

QUICK = BenchmarkConfig(
    name="quick",
    first_date=dt.date(2025, 11, 2),
    last_date=dt.date(2025, 11, 9),
    scale=0.5,
    chunk_days=4,
    stock_sample_days=1,
    stock_launched_days=0,
    daily_repetitions=1,
    big_day_rows=5_000,
    big_day_repetitions=1,
    generated_extractors=5,
    load_repetitions=1,
    warm_load=False,
)
