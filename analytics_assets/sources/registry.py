"""The source kinds this location knows: Django and HTTP APIs, and any a team registers.

The environment (or a Component) asks the kind of each source the extractors name for its
resource, and a run asks every kind which of its errors are transient
(:mod:`analytics_assets.assembly.retries`). A team adds a kind of its own from its own
package with :func:`register_source_kind`, called where the kind is defined (the module
its extractors import their ``Source`` from), so every process that loads the extractors
knows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from analytics_assets.environment_variables import Environ, RequiredVariables
from analytics_assets.sources.django_orm import DJANGO_SOURCE_KIND
from analytics_assets.sources.http_api_kind import HTTP_API_SOURCE_KIND
from analytics_assets.sources.kind import SourceKind

SOURCE_KINDS: dict[str, SourceKind] = {
    kind.name: kind for kind in (DJANGO_SOURCE_KIND, HTTP_API_SOURCE_KIND)
}


def _defined_at(kind: SourceKind) -> str:
    return f"{kind.settings.__module__}.{kind.settings.__qualname__}"


def register_source_kind(kind: SourceKind) -> SourceKind:
    """Make ``kind`` known by its name; returns it. The same kind again (its module imported
    anew) replaces it; another kind of the same name is refused."""
    known = SOURCE_KINDS.get(kind.name)
    if known is not None and _defined_at(known) != _defined_at(kind):
        raise ValueError(
            f"a source kind named {kind.name!r} is registered already ({_defined_at(known)})"
        )
    SOURCE_KINDS[kind.name] = kind
    return kind


def source_kind(name: str) -> SourceKind:
    """The registered kind ``name``; a ValueError lists the known kinds otherwise."""
    if name not in SOURCE_KINDS:
        known = ", ".join(sorted(SOURCE_KINDS))
        raise ValueError(f"unknown source kind {name!r}; known kinds: {known}")
    return SOURCE_KINDS[name]


def source_resources(
    sources: Mapping[str, str],
    environ: Environ | None = None,
    configured: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[dict[str, Any], RequiredVariables]:
    """The resource of each source (name -> kind): from its entry in ``configured`` (a
    Component's ``sources``) if it has one, else from the environment; and what was missing."""
    variables = RequiredVariables(environ)
    configured = configured or {}
    resources = {
        name: source_kind(kind).configured(name, configured[name])
        if name in configured
        else source_kind(kind).resource(name, variables)
        for name, kind in sources.items()
    }
    return resources, variables
