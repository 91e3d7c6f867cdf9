"""Finding extractors: every concrete extractor class defined in the configured modules.

A configured name is a module or a package; a package's modules are imported
recursively. A class counts where it is defined (an extractor imported into another
module is not found twice), and two extractors writing one table are refused.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Iterator
from types import ModuleType

from analytics_assets.extract import Extractor, SchemaError


class ExtractorModuleError(ImportError):
    """A configured extractor module does not import."""


def _import(name: str, configured_as: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except (Exception, SystemExit) as error:  # a module calling sys.exit() while imported
        raise ExtractorModuleError(
            f"extractor module {name!r} (from {configured_as}) does not import: "
            f"{type(error).__name__}: {error}"
        ) from error


def _modules(name: str) -> Iterator[ModuleType]:
    module = _import(name, name)
    yield module
    path = getattr(module, "__path__", None)
    if path is None:
        return
    for info in pkgutil.walk_packages(path, prefix=f"{module.__name__}."):
        yield _import(info.name, name)


def _defined_extractors(module: ModuleType) -> list[type[Extractor]]:
    return [
        cls
        for cls in vars(module).values()
        if isinstance(cls, type)
        and issubclass(cls, Extractor)
        and cls.__module__ == module.__name__
        and "table" in vars(cls)
    ]


def find_extractors(module_names: Iterable[str]) -> list[type[Extractor]]:
    """Import every named module (packages recursively); their extractors, by table name."""
    found: dict[type[Extractor], None] = {}
    for name in module_names:
        for module in _modules(name):
            found.update(dict.fromkeys(_defined_extractors(module)))
    by_table: dict[str, type[Extractor]] = {}
    for cls in found:
        other = by_table.setdefault(cls.table.name, cls)
        if other is not cls:
            raise SchemaError(
                f"extractors {other.__module__}.{other.__qualname__} and "
                f"{cls.__module__}.{cls.__qualname__} both write table {cls.table.name!r}; "
                "set table_name on one of them"
            )
    return sorted(found, key=lambda cls: cls.table.name)
