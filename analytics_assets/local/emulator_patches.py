"""The two patches bqemulator 1.4.0 needs to run offline behind google-cloud-bigquery.

1. It refuses to start unless DuckDB's ``spatial`` extension can be downloaded: the
   engine's ``_load_spatial`` becomes a no-op (GEOGRAPHY is not used here).
2. google-cloud-bigquery sends the media part of small loads as ``Content-Type: */*``,
   which the upload route rejects: ``*/*`` joins its permitted media types
   (upstream PR jjviscomi/bqemulator#266).

Both touch private names, which is why ``bqemulator`` is pinned; an upgrade that moves
them makes :func:`apply_patches` raise instead of starting a half-working emulator.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

ANY_MEDIA_TYPE = "*/*"

_ENGINE_MODULE = "bqemulator.storage.engine"
_UPLOAD_MODULE = "bqemulator.api.routes.upload"
_PERMITTED_TYPES_NAME = "_PERMITTED_MEDIA_CONTENT_TYPES"


def _skip_spatial_extension(self: Any) -> None:
    """Stand-in for ``DuckDBEngine._load_spatial``: load nothing, need no network."""


def _require(module: ModuleType, name: str) -> Any:
    if not hasattr(module, name):
        raise RuntimeError(
            f"bqemulator changed: {module.__name__}.{name} is missing, so the emulator "
            "patches in analytics_assets/local/emulator_patches.py no longer apply. "
            "Pin bqemulator==1.4.0 or update the patches."
        )
    return getattr(module, name)


def _duckdb_engine_class() -> type:
    engine_class = _require(importlib.import_module(_ENGINE_MODULE), "DuckDBEngine")
    _require(engine_class, "_load_spatial")
    return engine_class


def _upload_module() -> ModuleType:
    upload = importlib.import_module(_UPLOAD_MODULE)
    _require(upload, _PERMITTED_TYPES_NAME)
    return upload


def patches_applied() -> bool:
    """True when both patches are in place in this process."""
    engine_class = _duckdb_engine_class()
    permitted = getattr(_upload_module(), _PERMITTED_TYPES_NAME)
    return engine_class._load_spatial is _skip_spatial_extension and ANY_MEDIA_TYPE in permitted


def apply_patches() -> None:
    """Apply both patches; safe to call more than once; RuntimeError if a target moved."""
    engine_class = _duckdb_engine_class()
    upload = _upload_module()
    engine_class._load_spatial = _skip_spatial_extension
    permitted = tuple(getattr(upload, _PERMITTED_TYPES_NAME))
    if ANY_MEDIA_TYPE not in permitted:
        setattr(upload, _PERMITTED_TYPES_NAME, (*permitted, ANY_MEDIA_TYPE))
