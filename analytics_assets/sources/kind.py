"""What a source kind declares: how its resource is configured, which of its errors are transient.

Each source kind module (:mod:`.django_orm`, :mod:`.http_api_kind`) makes one
:class:`SourceKind`; :mod:`.registry` lists them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from analytics_assets.environment_variables import RequiredVariables


class GaveUpRetrying(RuntimeError):
    """A source client retried a transient failure until its own limit: do not retry again."""


@dataclass(frozen=True)
class SourceKind:
    """One kind of source: how its resource is configured and which of its errors are transient.

    ``resource(name, variables)``: the Dagster resource for the source ``name``, its
    settings read through ``variables`` (a missing required one is noted there, so every
    missing variable is refused in one error). ``transient_errors()``: the error types of
    the kind's libraries worth a retry, looked up only among libraries already imported
    (an error of a library that was never imported cannot have been raised).
    """

    name: str
    resource: Callable[[str, RequiredVariables], Any]
    transient_errors: Callable[[], tuple[type[BaseException], ...]]
