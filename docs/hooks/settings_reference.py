"""MkDocs hook: the Settings reference's tables, rendered at every build from the package's
catalogue (analytics_assets/settings_catalogue.py), so the page cannot drift from the code."""

from __future__ import annotations

from typing import Any

#: Where the page wants the tables (docs/reference/settings.md).
MARKER = "<!-- settings catalogue -->"


def on_page_markdown(markdown: str, **_: Any) -> str:
    if MARKER not in markdown:
        return markdown
    from analytics_assets.settings_catalogue import reference_markdown

    return markdown.replace(MARKER, reference_markdown())
