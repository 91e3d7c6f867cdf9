"""Names and texts pasted into BigQuery or Dagster: checked when an extractor is defined.

Every identifier that reaches SQL (project, dataset, table, column) is checked against
BigQuery's rules so nothing configurable is pasted unchecked; a table or source name must
also be one Dagster accepts (it names an asset or a resource); descriptions must fit in
what BigQuery keeps.
"""

from __future__ import annotations

import keyword
import re

_NAME_PATTERN = re.compile(r"^[a-z_][a-z0-9_]{0,299}$")
_RESERVED_COLUMN_PREFIXES = ("_table_", "_file_", "_partition", "_row_timestamp", "__root__")
#: Names Dagster refuses for an asset or a resource key (Dagster 1.13's reserved names and
#: every Python keyword): a table or source named so would make the whole code location
#: fail to load, so it is refused when the extractor is defined instead.
DAGSTER_RESERVED_NAMES = frozenset(
    {
        "context", "conf", "config", "meta", "arg_dict", "dict", "input_arg_dict",
        "output_arg_dict", "int", "str", "float", "bool", "input", "output", "type",
        *keyword.kwlist,
    }
)  # fmt: skip
#: BigQuery keeps at most this many characters of a column's description.
MAX_COLUMN_DESCRIPTION = 1_024
#: BigQuery keeps at most this many characters of a table's (or dataset's) description.
MAX_TABLE_DESCRIPTION = 16_384


class SchemaError(TypeError):
    """A row dataclass or extractor declaration cannot become a BigQuery table."""


_PROJECT_ID_PATTERN = re.compile(r"^(?:[a-z][a-z0-9.-]*[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$")


def check_project_id(project: str, what: str) -> str:
    """Refuse a Google Cloud project id that is malformed (it is pasted into table ids)."""
    if not _PROJECT_ID_PATTERN.match(project):
        raise SchemaError(
            f"{what} {project!r} is not a valid project id: 6 to 30 lowercase letters, digits "
            "and hyphens, starting with a letter (optionally after a 'domain:' prefix)"
        )
    return project


def check_identifier(name: str, what: str) -> str:
    """Refuse a table or column name BigQuery would reject or that would need quoting."""
    if not _NAME_PATTERN.match(name):
        raise SchemaError(
            f"{what} {name!r} is not a valid name: use lowercase letters, digits and "
            "underscores, starting with a letter or underscore (at most 300 characters)"
        )
    if name.startswith(_RESERVED_COLUMN_PREFIXES):
        raise SchemaError(f"{what} {name!r} uses a prefix BigQuery reserves")
    return name


def check_dagster_name(name: str, what: str) -> str:
    """Refuse a name Dagster reserves (a Python keyword such as ``from``, or ``type``…)."""
    if name in DAGSTER_RESERVED_NAMES:
        kind = "a Python keyword" if keyword.iskeyword(name) else "a name Dagster reserves"
        raise SchemaError(
            f"{what} {name!r} is {kind}: Dagster cannot name an asset or a resource after it "
            "and would refuse the whole code location; choose another name"
        )
    return name


def check_description_length(text: str, limit: int, what: str) -> str:
    """Refuse a description longer than BigQuery keeps (``limit`` characters)."""
    if len(text) > limit:
        raise SchemaError(
            f"{what}: description of {len(text):,} characters; BigQuery keeps at most {limit:,}"
        )
    return text
