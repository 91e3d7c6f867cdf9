"""The benchmark's world: environment variables, the cached seeded demo database, an emulator.

The demo history is seeded once per (scale, dates, seed, time zone) into its own
ANALYTICS_LOCAL_DIR under the temporary directory and reused by later runs; a marker file
written after the seed completes tells a finished database from an interrupted one. The
warehouse is always a fresh emulator with an empty data directory.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from analytics_assets.demo.history import DEFAULT_SEED
from benchmarks.config import BenchmarkConfig

CACHE_ENV = "ANALYTICS_BENCHMARK_CACHE"
SEEDED_MARKER = "seeded.json"


def cache_root() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path(tempfile.gettempdir()) / "analytics-benchmark")


def demo_local_dir(config: BenchmarkConfig) -> Path:
    """The ANALYTICS_LOCAL_DIR holding the seeded demo database of ``config``."""
    key = (
        f"demo-scale{config.scale:g}-{config.first_date}-{config.last_date}"
        f"-seed{DEFAULT_SEED}-{config.timezone.replace('/', '_')}"
    )
    return cache_root() / key


def location_environment(
    config: BenchmarkConfig, emulator_url: str, dataset: str
) -> dict[str, str]:
    """The variables the code location reads (settings.py), for this benchmark's world."""
    return {
        "ANALYTICS_LOCAL_DIR": str(demo_local_dir(config)),
        "ANALYTICS_FIRST_DATE": config.first_date.isoformat(),
        "ANALYTICS_TIMEZONE": config.timezone,
        "ANALYTICS_DEMO_SCALE": f"{config.scale:g}",
        "ANALYTICS_CATCH_UP_CHUNK_DAYS": str(config.chunk_days),
        "ANALYTICS_EXTRACT_RETRIES": "0",
        "BIGQUERY_EMULATOR_URL": emulator_url,
        "BIGQUERY_DATASET": dataset,
    }


def apply_environment(variables: dict[str, str]) -> None:
    """Set ``variables`` in this process; refuse if the code location already read them."""
    import sys

    if "analytics_assets.demo.settings" in sys.modules:
        raise RuntimeError("the benchmark must set its environment before Django is configured")
    os.environ.pop("BIGQUERY_PROJECT", None)
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)
    os.environ.pop("ANALYTICS_DEMO_DATABASE_URL", None)
    os.environ.update(variables)


def ensure_seeded(config: BenchmarkConfig) -> tuple[dict[str, object], float | None]:
    """Seed the demo history of ``config`` unless cached; its stats and the seeding seconds.

    Needs :func:`apply_environment` first (Django reads ANALYTICS_LOCAL_DIR once).
    """
    from analytics_assets.demo import SETTINGS_MODULE
    from analytics_assets.sources.django_orm import configure_django

    local_dir = demo_local_dir(config)
    marker = local_dir / SEEDED_MARKER
    if marker.exists():
        configure_django(SETTINGS_MODULE)
        _ensure_tickets(config)
        return json.loads(marker.read_text()), None
    if local_dir.exists():
        shutil.rmtree(local_dir)  # an interrupted seed: start again
    local_dir.mkdir(parents=True)
    configure_django(SETTINGS_MODULE)
    from django.core.management import call_command

    from analytics_assets.demo.history import generate_history

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    stats = generate_history(
        config.first_date, config.last_date, scale=config.scale, seed=DEFAULT_SEED
    )
    _ensure_tickets(config)
    seconds = time.perf_counter() - started
    summary = {
        "customers": stats.customers,
        "clients": stats.clients,
        "contracts": stats.contracts,
        "emails": stats.emails,
        "seed_seconds": round(seconds, 1),
    }
    marker.write_text(json.dumps(summary))
    return summary, seconds


def _ensure_tickets(config: BenchmarkConfig) -> None:
    """Seed the support desk's tickets of the history too: else the first run's demo resource
    seeds them (to yesterday, 107 s at scale 180), counted in whichever run came first."""
    from analytics_assets.demo.history import ensure_demo_tickets
    from analytics_assets.settings import load_settings

    ensure_demo_tickets(load_settings(), config.last_date, config.scale)


@contextmanager
def fresh_emulator() -> Iterator[str]:
    """An embedded BigQuery emulator on a free port with an empty data directory; its URL."""
    from analytics_assets.local.config import EMULATOR_PROJECT
    from analytics_assets.local.emulator_process import EmbeddedEmulator
    from analytics_assets.local.network import free_port

    with tempfile.TemporaryDirectory(prefix="benchmark-bigquery-") as data_dir:
        emulator = EmbeddedEmulator.start(
            Path(data_dir) / "bigquery", free_port(), EMULATOR_PROJECT, detached=False
        )
        with emulator:
            yield emulator.url
