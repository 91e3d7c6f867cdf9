"""Test helper: a team's own package of extractors, in a folder on the import path."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

#: A team's extractor of its help desk's tickets (an HTTP API source, ``desk_api``).
DESK_TICKET_EXTRACTOR = """
@dataclass
class DeskTicket:
    timestamp: dt.datetime
    channel: str


class DeskTicketExtractor(IndividualRowsExtractor[DeskTicket]):
    source = http_api("desk_api")

    def extract(self, start, end):
        return []
"""
#: The settings of a team's Django project that has no model the tests read.
DJANGO_SETTINGS = 'SECRET_KEY = "test"\nUSE_TZ = True\nINSTALLED_APPS = []\nDATABASES = {}\n'


def install_team_package(
    root: Path,
    monkeypatch: pytest.MonkeyPatch,
    package: str,
    modules: dict[str, str],
    django_project: str | None = None,
) -> Path:
    """``package.extractors.<name>`` holding each of ``modules`` (name -> source) under
    ``root``, and the Django project ``django_project`` (its ``settings`` module) if named,
    importable for the rest of the test (and forgotten after it); returns ``root``."""
    extractors = root / package / "extractors"
    extractors.mkdir(parents=True)
    (root / package / "__init__.py").write_text("")
    (extractors / "__init__.py").write_text("")
    for name, source in modules.items():
        (extractors / f"{name}.py").write_text(source)
    if django_project:
        (root / django_project).mkdir()
        (root / django_project / "__init__.py").write_text("")
        (root / django_project / "settings.py").write_text(DJANGO_SETTINGS)
    monkeypatch.syspath_prepend(str(root))
    for name in [m for m in sys.modules if m.startswith((package, django_project or package))]:
        monkeypatch.delitem(sys.modules, name)
    return root
