"""Test helper: declare an extractor class for a row type on the fly (definition-time checks)."""

from __future__ import annotations

import types
from typing import Any

from analytics_assets.extract import DateAggregatedExtractor


def declare_extractor(row_type: Any, base: Any = DateAggregatedExtractor, **attributes: Any) -> Any:
    """``class Declared(base[row_type])`` with ``attributes`` and an empty ``extract``."""

    def extract(self, start, end):
        return iter(())

    def body(namespace):
        namespace.update(extract=extract, **attributes)

    return types.new_class("Declared", (base[row_type],), exec_body=body)
