"""Test helper: where the browser test's screenshots go. Every step's picture goes to
artifacts/browser/ (git-ignored); the few the docs show also go to the folder named by
ANALYTICS_DOCS_SCREENSHOTS (``docs/images``), at a smaller viewport, when it is set.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analytics_assets_tests.paths import REPO_ROOT

if TYPE_CHECKING:
    from playwright.sync_api import ViewportSize

ARTIFACTS = REPO_ROOT / "artifacts" / "browser"
DOCS_VARIABLE = "ANALYTICS_DOCS_SCREENSHOTS"
#: Small pictures for the docs; the artifacts keep the larger default when no docs are taken.
DOCS_VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
ARTIFACTS_VIEWPORT: ViewportSize = {"width": 1600, "height": 1000}


def docs_folder() -> Path | None:
    """The docs' picture folder (relative to the repository), or None when not asked for."""
    raw = os.environ.get(DOCS_VARIABLE, "").strip()
    return REPO_ROOT / raw if raw else None


def viewport() -> ViewportSize:
    return DOCS_VIEWPORT if docs_folder() else ARTIFACTS_VIEWPORT


def shoot(page: Any, name: str, *, full_page: bool = False, docs: str | None = None) -> None:
    """``name`` into the artifacts; also ``docs`` (the viewport only) into the docs' folder."""
    page.screenshot(path=ARTIFACTS / name, full_page=full_page)
    folder = docs_folder()
    if folder is not None and docs is not None:
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=folder / docs)
