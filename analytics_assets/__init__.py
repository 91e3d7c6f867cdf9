"""analytics_assets: a Dagster code location turning application data into daily analytics.

A team mounts it in its own Dagster project with :class:`ExtractorsComponent` (``type:
analytics_assets.ExtractorsComponent`` in a ``defs.yaml``), or runs it as its own code
location (:mod:`analytics_assets.definitions`). Extractors are written against
:mod:`analytics_assets.extract`, tested with :mod:`analytics_assets.testing`.
The component is imported on first use, so ``import analytics_assets.extract`` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from analytics_assets.component import ExtractorsComponent

__all__ = ["ExtractorsComponent"]


def __getattr__(name: str) -> Any:
    if name == "ExtractorsComponent":
        from analytics_assets.component import ExtractorsComponent

        return ExtractorsComponent
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
