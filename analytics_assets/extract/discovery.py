"""Finding the extractors of a package: every concrete extractor class defined in its modules."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType

from analytics_assets.extract.extractor import Extractor
from analytics_assets.extract.schema import SchemaError


def find_extractors(package: ModuleType) -> list[type[Extractor]]:
    """Import every module of ``package``; return its extractor classes sorted by table name."""
    found: list[type[Extractor]] = []
    for module_info in pkgutil.iter_modules(package.__path__, prefix=f"{package.__name__}."):
        module = importlib.import_module(module_info.name)
        found += [
            cls
            for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, Extractor)
            and cls.__module__ == module.__name__
            and "table" in vars(cls)
        ]
    by_table: dict[str, type[Extractor]] = {}
    for cls in found:
        other = by_table.setdefault(cls.table.name, cls)
        if other is not cls:
            raise SchemaError(
                f"extractors {other.__qualname__} and {cls.__qualname__} both write table "
                f"{cls.table.name!r}; set table_name on one of them"
            )
    return sorted(found, key=lambda cls: cls.table.name)
