"""The source kinds this location knows: registering a new kind is one line here.

The environment asks the kind of each source the extractors name for its resource
(reading the kind's own environment variables), and a run asks every kind which of its
errors are transient (:mod:`analytics_assets.assembly.retries`).
"""

from __future__ import annotations

from typing import Any

from analytics_assets.environment_variables import Environ, RequiredVariables
from analytics_assets.sources.django_orm import DJANGO_SOURCE_KIND
from analytics_assets.sources.http_api_kind import HTTP_API_SOURCE_KIND
from analytics_assets.sources.kind import SourceKind

SOURCE_KINDS: dict[str, SourceKind] = {
    kind.name: kind for kind in (DJANGO_SOURCE_KIND, HTTP_API_SOURCE_KIND)
}


def source_kind(name: str) -> SourceKind:
    """The registered kind ``name``; a ValueError lists the known kinds otherwise."""
    if name not in SOURCE_KINDS:
        known = ", ".join(sorted(SOURCE_KINDS))
        raise ValueError(f"unknown source kind {name!r}; known kinds: {known}")
    return SOURCE_KINDS[name]


def source_resources(
    sources: dict[str, str], environ: Environ | None = None
) -> tuple[dict[str, Any], RequiredVariables]:
    """The resource of each source (name -> kind) from the environment, and what was missing."""
    variables = RequiredVariables(environ)
    resources = {
        name: source_kind(kind).resource(name, variables) for name, kind in sources.items()
    }
    return resources, variables
