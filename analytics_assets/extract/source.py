"""What an extractor reads: a named source of a kind (the Django ORM, an HTTP API, nothing).

The name is the key of the Dagster resource the extractor is given (two extractors naming
the same source share it); the kind says which source kind builds that resource from the
environment (:mod:`analytics_assets.sources.registry`). Plain Python needs no resource.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from analytics_assets.extract.names import SchemaError, check_dagster_name

DJANGO_KIND = "django"
HTTP_API_KIND = "http_api"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class Source:
    """A source named ``name`` (its resource key) of the kind ``kind`` (None: no resource)."""

    name: str
    kind: str | None

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(
                f"source name {self.name!r} is not valid: lowercase letters, digits and "
                "underscores, starting with a letter (it names a Dagster resource)"
            )
        try:
            check_dagster_name(self.name, "source name")
        except SchemaError as problem:
            raise ValueError(str(problem)) from None

    @property
    def needs_resource(self) -> bool:
        return self.kind is not None


#: The Django ORM of the application (``DJANGO_SETTINGS_MODULE``): the default source.
DJANGO = Source("django", DJANGO_KIND)
#: No source at all: the extractor computes its rows itself.
PLAIN_PYTHON = Source("python", None)


def http_api(name: str) -> Source:
    """A JSON HTTP API named ``name``, configured by ``ANALYTICS_<NAME>_URL`` and ``_TOKEN``."""
    return Source(name, HTTP_API_KIND)


def as_source(declared: Source | str, owner: str) -> Source:
    """The :class:`Source` an extractor's ``source`` attribute declares (a str is a shorthand)."""
    if isinstance(declared, Source):
        return declared
    shorthands = {DJANGO.name: DJANGO, PLAIN_PYTHON.name: PLAIN_PYTHON}
    if declared in shorthands:
        return shorthands[declared]
    raise TypeError(
        f"{owner}: source {declared!r} has no kind; declare it, e.g. "
        f"source = http_api({declared!r}) (from analytics_assets.extract import http_api), "
        f"or use 'django' or 'python'"
    )
