"""Reading environment variables into typed values, with errors that name the variable.

Every part of the location that is configured from the environment (the core settings,
each source kind, the local emulator, the demo) reads its variables through these
helpers, so a bad value always fails the same way: one :class:`SettingsError` naming the
variable and what it expected. An empty or blank variable counts as unset.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TypeVar

Environ = Mapping[str, str]
_Parsed = TypeVar("_Parsed")


class SettingsError(ValueError):
    """An environment variable is missing or holds a value the location cannot use."""


def env_str(name: str, default: str, environ: Environ | None = None) -> str:
    value = (os.environ if environ is None else environ).get(name, "").strip()
    return value or default


def env_optional(name: str, environ: Environ | None = None) -> str | None:
    return env_str(name, "", environ) or None


def env_int(name: str, default: int, environ: Environ | None = None) -> int:
    raw = env_str(name, str(default), environ)
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not an integer") from None


def env_bounded(
    name: str, default: int, lowest: int, highest: int, environ: Environ | None = None
) -> int:
    value = env_int(name, default, environ)
    if not lowest <= value <= highest:
        raise SettingsError(f"{name}={value} is out of range ({lowest} to {highest})")
    return value


def env_float(name: str, default: float, environ: Environ | None = None) -> float:
    raw = env_str(name, str(default), environ)
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number") from None


def env_bool(name: str, default: bool, environ: Environ | None = None) -> bool:
    raw = env_str(name, "true" if default else "false", environ).lower()
    if raw not in ("true", "false", "1", "0", "yes", "no"):
        raise SettingsError(f"{name}={raw!r} is not true or false")
    return raw in ("true", "1", "yes")


def env_parsed(
    name: str, parse: Callable[[str], _Parsed], default: str = "", environ: Environ | None = None
) -> _Parsed:
    """``parse`` the variable's value; its ValueError becomes a SettingsError naming ``name``."""
    raw = env_str(name, default, environ)
    try:
        return parse(raw)
    except ValueError as problem:
        raise SettingsError(f"{name}: {problem}") from None


class RequiredVariables:
    """Collects the variables an environment needs and lacks, to refuse them in one error."""

    def __init__(self, environ: Environ | None = None) -> None:
        self.environ = os.environ if environ is None else environ
        self.missing: list[str] = []

    def get(self, name: str, meaning: str) -> str:
        """The variable's value, or "" after noting it as missing with what it is for."""
        value = env_str(name, "", self.environ)
        if not value:
            self.note_missing(name, meaning)
        return value

    def note_missing(self, name: str, meaning: str) -> None:
        self.missing.append(f"{name} ({meaning})")

    def refuse_missing(self, what: str) -> None:
        if self.missing:
            listed = "; ".join(self.missing)
            raise SettingsError(f"{what} needs these environment variables, unset: {listed}")
