"""An extractor's source as Dagster sees it: the resource key it requires, the resource given."""

from __future__ import annotations

from typing import Any

from analytics_assets.assembly.location_names import LocationNames
from analytics_assets.extract import Extractor


def required_resource_keys(
    extractor_cls: type[Extractor], names: LocationNames = LocationNames()
) -> set[str]:
    """The resource ``extractor_cls`` needs: the one named by its source, none for plain Python."""
    source = extractor_cls.declared_source()
    return {names.resource_key(source.name)} if source.needs_resource else set()


def extractor_resources(
    extractor_cls: type[Extractor], resources: Any, names: LocationNames = LocationNames()
) -> dict[str, Any]:
    """What ``extractor_cls`` is built with: the resource of its source, if any, under the
    source's own name (whatever key the location gives it).

    ``resources`` exposes initialized resources as attributes (``context.resources`` in a
    run, what ``dg.build_resources`` yields in the dry run).
    """
    source = extractor_cls.declared_source()
    if not source.needs_resource:
        return {}
    return {source.name: getattr(resources, names.resource_key(source.name))}


def sources_of(extractors: list[type[Extractor]]) -> dict[str, str]:
    """Every source the extractors read, as name -> kind; one name has one kind."""
    kinds: dict[str, str] = {}
    for extractor_cls in extractors:
        source = extractor_cls.declared_source()
        if source.kind is None:
            continue
        other = kinds.setdefault(source.name, source.kind)
        if other != source.kind:
            raise ValueError(
                f"source {source.name!r} is declared as {other} and as {source.kind} "
                f"(by {extractor_cls.__qualname__}); one source has one kind"
            )
    return kinds
