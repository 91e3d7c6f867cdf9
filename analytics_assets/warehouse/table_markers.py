"""Table labels recording what columns cannot show: the extractor kind, the differentiated fields.

Two declarations with identical columns can still mean different tables: one row per day
versus individual rows, or another set of ``differentiate=True`` fields (another delta
view). Each table therefore carries two labels, written when it is created:

* ``extractor-kind``: ``date-aggregated`` or ``individual-rows``;
* ``differentiated``: the differentiated column names joined by ``-`` (column names never
  contain one), e.g. ``users-clients``, empty for none. A label value holds at most 63
  characters of ``[a-z0-9_-]``; a longer list is stored as ``0x`` and the hexadecimal
  bit mask of their positions among the columns (no column name starts with a digit, so
  the two forms cannot be confused). Positions are meaningful because the columns
  themselves are compared first and must be identical.

A table without one of these labels (created before they existed, or relabelled by hand)
is adopted: the missing label is written from the declaration, and nothing fails.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from analytics_assets.extract.schema import ExtractorKind, SchemaError, TableSpec

KIND_LABEL = "extractor-kind"
DIFFERENTIATED_LABEL = "differentiated"
LABEL_VALUE_MAX = 63
_MASK_PREFIX = "0x"


def kind_value(kind: ExtractorKind) -> str:
    return kind.value.replace("_", "-")


def differentiated_value(spec: TableSpec) -> str:
    """The ``differentiated`` label of ``spec``: names, or the bit mask when they are too long."""
    names = "-".join(c.name for c in spec.differentiated)
    if len(names) <= LABEL_VALUE_MAX:
        return names
    mask = sum(1 << position for position, c in enumerate(spec.columns) if c.differentiate)
    value = f"{_MASK_PREFIX}{mask:x}"
    if len(value) > LABEL_VALUE_MAX:
        raise SchemaError(
            f"table {spec.name}: its differentiated fields cannot be recorded in a label; "
            f"declare them among the first {(LABEL_VALUE_MAX - len(_MASK_PREFIX)) * 4} columns"
        )
    return value


def differentiated_names(value: str, columns: Sequence[str]) -> list[str]:
    """The column names a ``differentiated`` label value records (inverse of the above)."""
    if value.startswith(_MASK_PREFIX):
        mask = int(value.removeprefix(_MASK_PREFIX), 16)
        return [name for position, name in enumerate(columns) if mask >> position & 1]
    return value.split("-") if value else []


def marker_labels(spec: TableSpec) -> dict[str, str]:
    return {KIND_LABEL: kind_value(spec.kind), DIFFERENTIATED_LABEL: differentiated_value(spec)}


def missing_markers(spec: TableSpec, labels: Mapping[str, str]) -> dict[str, str]:
    """The marker labels a live table lacks (to adopt it), with their declared values."""
    return {key: value for key, value in marker_labels(spec).items() if key not in labels}


def describe_marker_drift(spec: TableSpec, labels: Mapping[str, str]) -> list[str]:
    """Differences between the declaration and the markers a live table carries.

    Only meaningful once the columns are known to be identical; an absent marker is no
    difference (the table is adopted).
    """
    problems = []
    kind, declared_kind = labels.get(KIND_LABEL), kind_value(spec.kind)
    if kind is not None and kind != declared_kind:
        problems.append(f"extractor kind changed: table has {kind}, declared {declared_kind}")
    recorded = labels.get(DIFFERENTIATED_LABEL)
    declared = [c.name for c in spec.differentiated]
    if recorded is not None:
        had = differentiated_names(recorded, spec.column_names)
        if had != declared:
            problems.append(f"differentiated fields changed: table has {had}, declared {declared}")
    return problems
