"""BigQuery's rules for the SQL the project sends, which the emulator does not enforce, and a
recorder of every statement the project sends during the tests.

The rules (:func:`violations`), read from the parsed statements (sqlglot, BigQuery
dialect), not from their exact text:

* a script that opens a transaction opens exactly one (BigQuery refuses a nested
  ``BEGIN``; the emulator ignores it) and closes it with an explicit ``COMMIT TRANSACTION``
  (BigQuery rolls back a script that ends inside its transaction; the emulator commits);
* inside the transaction only DML and queries (``SELECT``, ``INSERT``, ``UPDATE``,
  ``DELETE``, ``MERGE``, ``TRUNCATE``): BigQuery refuses DDL there, the emulator runs it;
* a script that writes more than once does it in a transaction (else it is not atomic);
* every table is named fully qualified and backticked: `` `project.dataset.table` ``;
* the partitioning column ``date`` is compared with DATE literals (``DATE '2024-03-31'``),
  never with strings or timestamps.

:class:`StatementRecorder` wraps ``google.cloud.bigquery.Client.query`` and keeps every
SQL text whose sender is the ``analytics_assets`` package (not a test's own query).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlglot
from google.cloud import bigquery
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.expressions import Expr, Identifier

from analytics_assets.extract.schema import DATE_COLUMN

ALLOWED_IN_TRANSACTION = (
    exp.Query,  # SELECT, UNION, ...
    exp.Insert,
    exp.Update,
    exp.Delete,
    exp.Merge,
    exp.TruncateTable,
)
WRITES = (exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.TruncateTable)
_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


def _opens_transaction(statement: Expr) -> bool:
    if isinstance(statement, exp.Transaction):
        return True
    return isinstance(statement, exp.Command) and str(statement.this).upper() == "BEGIN"


def _kind(statement: Expr) -> str:
    return statement.sql(dialect="bigquery").split(" (", 1)[0][:60]


def parse_script(sql: str) -> list[Expr]:
    """The statements of a BigQuery script, in order."""
    return [s for s in sqlglot.parse(sql, read="bigquery") if s is not None]


def _transaction_problems(statements: list[Expr]) -> list[str]:
    begins = [i for i, s in enumerate(statements) if _opens_transaction(s)]
    if not begins:
        writes = [s for s in statements if isinstance(s, WRITES)]
        if len(writes) > 1:
            return [f"{len(writes)} writes outside a transaction: the script is not atomic"]
        return []
    problems = []
    if len(begins) > 1:
        problems.append(
            f"{len(begins)} BEGIN TRANSACTION statements: BigQuery refuses a nested transaction"
        )
    commits = [i for i, s in enumerate(statements) if isinstance(s, exp.Commit) and i > begins[0]]
    if not commits:
        problems.append(
            "BEGIN TRANSACTION without COMMIT TRANSACTION: BigQuery rolls the script back"
        )
    end = commits[0] if commits else len(statements)
    for statement in statements[begins[0] + 1 : end]:
        if not isinstance(statement, ALLOWED_IN_TRANSACTION) and not _opens_transaction(statement):
            problems.append(
                f"DDL inside a transaction ({_kind(statement)}): BigQuery refuses it there"
            )
    return problems


def _table_problems(statement: Expr) -> list[str]:
    ctes = {cte.alias_or_name for cte in statement.find_all(exp.CTE)}
    problems = []
    for table in statement.find_all(exp.Table):
        if not table.db and table.name in ctes:
            continue
        named = table.sql(dialect="bigquery")
        if not (table.catalog and table.db):
            problems.append(f"table {named} is not fully qualified as `project.dataset.table`")
        elif not all(isinstance(p, Identifier) and p.quoted for p in table.parts):
            problems.append(f"table {named} is not backticked")
    return problems


def _is_date_column(node: Expr) -> bool:
    return isinstance(node, exp.Column) and node.name.lower() == DATE_COLUMN


def _is_date_literal(node: Expr) -> bool:
    return (
        isinstance(node, exp.Cast)
        and node.to.is_type(exp.DataType.Type.DATE)
        and isinstance(node.this, exp.Literal)
        and node.this.is_string
    )


def _compared_values(statement: Expr) -> Iterator[Expr]:
    """Everything the ``date`` column is compared with, in comparisons, BETWEEN and IN."""
    for node in statement.find_all(*_COMPARISONS, exp.Between, exp.In):
        if isinstance(node, exp.Between):
            sides, values = [node.this], [node.args["low"], node.args["high"]]
        elif isinstance(node, exp.In):
            sides, values = [node.this], list(node.expressions)
        else:
            sides = values = [node.this, node.expression]
        if any(_is_date_column(side) for side in sides):
            yield from (value for value in values if not _is_date_column(value))


def _date_filter_problems(statement: Expr) -> list[str]:
    return [
        f"date compared with {value.sql(dialect='bigquery')}: use a DATE literal "
        "(DATE 'YYYY-MM-DD')"
        for value in _compared_values(statement)
        if not value.find(exp.Column) and not _is_date_literal(value)
    ]


def violations(sql: str) -> list[str]:
    """What in the script ``sql`` real BigQuery refuses or runs otherwise than the emulator."""
    try:
        statements = parse_script(sql)
    except SqlglotError as error:
        return [f"does not parse as BigQuery SQL: {error}"]
    problems = _transaction_problems(statements)
    for statement in statements:
        problems += _table_problems(statement) + _date_filter_problems(statement)
    return problems


def _sent_by_the_project(frame: Any) -> bool:
    """Whether the first caller outside google's libraries is the analytics_assets package."""
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if not module.startswith("google."):
            return module.startswith("analytics_assets.")
        frame = frame.f_back
    return False


class StatementRecorder:
    """The SQL texts the project sends through ``bigquery.Client.query``, in order."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    @contextmanager
    def installed(self) -> Iterator[StatementRecorder]:
        original = bigquery.Client.query

        @functools.wraps(original)
        def query(client: bigquery.Client, sql: Any, *args: Any, **kwargs: Any) -> Any:
            caller = inspect.currentframe()
            if isinstance(sql, str) and _sent_by_the_project(caller and caller.f_back):
                self.statements.append(sql)
            return original(client, sql, *args, **kwargs)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(bigquery.Client, "query", query)
            yield self
