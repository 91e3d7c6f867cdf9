"""What a source kind declares: its settings, how its resource is built, which errors are transient.

Each source kind module (:mod:`.django_orm`, :mod:`.http_api_kind`, or a team's own)
makes one :class:`SourceKind`; :mod:`.registry` lists them. A source is configured either
from its environment variables (the standalone location) or from its entry under
``sources:`` in a Component's YAML; both give the kind's settings model, from which the
resource is built, so the two ways cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from analytics_assets.environment_variables import RequiredVariables, SettingsError


class GaveUpRetrying(RuntimeError):
    """A source client retried a transient failure until its own limit: do not retry again."""


def no_transient_errors() -> tuple[type[BaseException], ...]:
    return ()


def validation_problems(error: ValidationError) -> str:
    """A pydantic error as ``field: message`` lines, never echoing the value given."""
    return "; ".join(
        f"{'.'.join(str(part) for part in problem['loc']) or 'value'}: {problem['msg']}"
        for problem in error.errors(include_input=False)
    )


@dataclass(frozen=True)
class SourceKind:
    """One kind of source (``Source(name, kind)`` in an extractor names it).

    ``settings``: the pydantic model of one source's settings (what a Component's
    ``sources: {<name>: {...}}`` entry holds). ``settings_from_environment(name,
    variables)``: those settings read from the environment, None when a required variable
    is missing (noted in ``variables``, so every missing one is refused in one error).
    ``build_resource(name, settings)``: the Dagster resource of the source ``name``.
    ``transient_errors()``: the error types of the kind's libraries worth a retry, looked
    up only among libraries already imported (an error of a library that was never
    imported cannot have been raised).
    """

    name: str
    settings: type[BaseModel]
    settings_from_environment: Callable[[str, RequiredVariables], BaseModel | None]
    build_resource: Callable[[str, Any], Any]
    transient_errors: Callable[[], tuple[type[BaseException], ...]] = no_transient_errors

    def resource(self, name: str, variables: RequiredVariables) -> Any:
        """The resource of the source ``name`` from the environment; None if it lacks a variable."""
        settings = self.settings_from_environment(name, variables)
        return None if settings is None else self.build_resource(name, settings)

    def configured(self, name: str, attributes: Mapping[str, Any]) -> Any:
        """The resource of the source ``name`` from its attributes (a Component's ``sources``)."""
        settings, problems = None, ""
        try:
            settings = self.settings.model_validate(dict(attributes))
        except ValidationError as error:
            problems = validation_problems(error)
        if settings is None:  # raised outside the handler: the refused value stays out
            raise SettingsError(f"sources.{name} ({self.name}): {problems}")
        return self.build_resource(name, settings)
