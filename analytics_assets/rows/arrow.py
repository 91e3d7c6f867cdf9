"""The arrow form of a table: the arrow type each BigQuery type is staged as.

pyarrow is imported when the first rows are checked, not when the code location loads.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from analytics_assets.extract.schema import TableSpec

if TYPE_CHECKING:
    import pyarrow as pa


@functools.cache
def arrow_types() -> dict[str, pa.DataType]:
    """The arrow type each BigQuery type is staged as."""
    import pyarrow as pa

    return {
        "BOOL": pa.bool_(),
        "INT64": pa.int64(),
        "FLOAT64": pa.float64(),
        "NUMERIC": pa.decimal128(38, 9),
        "STRING": pa.string(),
        "BYTES": pa.binary(),
        "DATE": pa.date32(),
        "TIMESTAMP": pa.timestamp("us", tz="UTC"),
    }


def arrow_schema(spec: TableSpec) -> pa.Schema:
    import pyarrow as pa

    types = arrow_types()
    return pa.schema(
        [pa.field(c.name, types[c.bigquery_type], nullable=c.nullable) for c in spec.columns]
    )
