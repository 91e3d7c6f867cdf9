"""The guard against the emulator's leniency: SQL the project sends is held to BigQuery's rules.

The emulator commits a script that ends inside its transaction, ignores a nested BEGIN and
runs DDL inside a transaction; BigQuery rolls back, refuses, refuses. The rules
(:mod:`analytics_assets_tests.sql_rules`) are checked on every statement captured during
the suite; here they are proved on the day-replace script and on broken variants of it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from analytics_assets.extract import DateAggregatedExtractor, column
from analytics_assets.testing import materialize
from analytics_assets.warehouse.sql import replace_script
from analytics_assets_tests.sql_rules import Expr, parse_script, violations

TABLE, STAGING = "acme-analytics.shop.orders", "acme-analytics.shop._staging_orders_0a1b2c"
COLUMNS = ["date", "orders", "revenue"]
DAYS = {
    "one day": [dt.date(2024, 3, 31)],
    "a range": [dt.date(2024, 3, 30), dt.date(2024, 3, 31), dt.date(2024, 4, 1)],
    "scattered days": [dt.date(2024, 3, 2), dt.date(2024, 3, 31), dt.date(2024, 1, 7)],
}


def script_of(statements: list[Expr]) -> str:
    return ";\n".join(s.sql(dialect="bigquery") for s in statements) + ";"


def day_replace(days: list[dt.date] = DAYS["a range"], staging: str | None = STAGING) -> str:
    return replace_script(TABLE, staging, COLUMNS, days)


def transaction_bounds(sql: str) -> tuple[int, int]:
    """Where the script's transaction opens and closes (indexes of its statements)."""
    names = [type(statement).__name__ for statement in parse_script(sql)]
    return names.index("Transaction"), names.index("Commit")


@pytest.mark.parametrize("days", DAYS.values(), ids=DAYS.keys())
@pytest.mark.parametrize("staging", [STAGING, None], ids=["rows", "an empty day"])
def test_the_day_replace_script_is_one_bigquery_transaction(days, staging):
    script = day_replace(days, staging)
    assert violations(script) == []
    begin, commit = transaction_bounds(script)
    writes = parse_script(script)[begin + 1 : commit]
    assert writes and commit == len(parse_script(script)) - 1  # it all happens inside


DDL = [
    "DROP TABLE `acme-analytics.shop._staging_orders_0a1b2c`",
    "CREATE TABLE `acme-analytics.shop.orders_copy` AS SELECT * FROM `acme-analytics.shop.orders`",
    "ALTER TABLE `acme-analytics.shop.orders` ADD COLUMN note STRING",
    "CREATE OR REPLACE VIEW `acme-analytics.shop.orders_delta` AS SELECT 1 AS x",
]


@pytest.mark.parametrize("ddl", DDL, ids=["drop", "create table", "alter", "create view"])
def test_the_guard_fails_a_day_replace_script_that_gains_a_ddl_statement(ddl):
    statements = parse_script(day_replace())
    _, commit = transaction_bounds(day_replace())
    broken = script_of([*statements[:commit], *parse_script(ddl), *statements[commit:]])
    assert [p for p in violations(broken) if p.startswith("DDL inside a transaction")] == [
        f"DDL inside a transaction ({ddl.split(' (', 1)[0][:60]}): BigQuery refuses it there"
    ]


def test_the_guard_fails_a_day_replace_script_that_loses_its_commit():
    statements = parse_script(day_replace())
    _, commit = transaction_bounds(day_replace())
    broken = script_of(statements[:commit] + statements[commit + 1 :])
    assert violations(broken) == [
        "BEGIN TRANSACTION without COMMIT TRANSACTION: BigQuery rolls the script back"
    ]


def test_the_guard_fails_a_day_replace_script_that_loses_its_transaction():
    statements = parse_script(day_replace())
    begin, commit = transaction_bounds(day_replace())
    # The replace is one MERGE, atomic even alone; a second write makes the lost
    # transaction matter.
    assert violations(script_of(statements[begin + 1 : commit])) == []
    second_write = parse_script(f"DELETE FROM `{TABLE}` WHERE `date` = DATE '2024-03-31'")
    broken = script_of([*statements[begin + 1 : commit], *second_write])
    assert violations(broken) == ["2 writes outside a transaction: the script is not atomic"]


def test_the_guard_fails_a_nested_begin():
    statements = parse_script(day_replace())
    begin, _ = transaction_bounds(day_replace())
    broken = script_of([*statements[: begin + 1], statements[begin], *statements[begin + 1 :]])
    assert violations(broken) == [
        "2 BEGIN TRANSACTION statements: BigQuery refuses a nested transaction"
    ]


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        (
            "SELECT * FROM shop.orders",
            "table shop.orders is not fully qualified as `project.dataset.table`",
        ),
        (
            "SELECT * FROM `orders`",
            "table `orders` is not fully qualified as `project.dataset.table`",
        ),
        ("SELECT * FROM acme.shop.orders", "table acme.shop.orders is not backticked"),
    ],
)
def test_the_guard_fails_a_table_that_is_not_fully_qualified_and_backticked(sql, problem):
    assert violations(sql) == [problem]


@pytest.mark.parametrize(
    ("predicate", "shown"),
    [
        ("`date` = '2024-03-31'", "'2024-03-31'"),
        ("`date` BETWEEN DATE '2024-03-30' AND '2024-03-31'", "'2024-03-31'"),
        (
            "`date` IN (DATE '2024-03-30', TIMESTAMP '2024-03-31')",
            "CAST('2024-03-31' AS TIMESTAMP)",
        ),
        ("`date` >= CURRENT_DATE()", "CURRENT_DATE"),
    ],
)
def test_the_guard_fails_a_partition_filter_without_date_literals(predicate, shown):
    sql = f"DELETE FROM `{TABLE}` WHERE {predicate}"
    assert violations(sql) == [
        f"date compared with {shown}: use a DATE literal (DATE 'YYYY-MM-DD')"
    ]


def test_a_date_compared_with_another_column_is_no_filter_and_passes():
    sql = (
        f"SELECT a.`date` FROM `{TABLE}` AS a JOIN `{TABLE}` AS b "
        "ON b.`date` = DATE_SUB(a.`date`, INTERVAL 1 DAY)"
    )
    assert violations(sql) == []


@dataclass
class Stock:
    items: int = column(differentiate=True)


class StockExtractor(DateAggregatedExtractor[Stock]):
    source = "python"

    def extract(self, start, end):
        yield Stock(items=start.day)


def test_every_statement_a_run_sends_is_captured_and_follows_the_rules(warehouse, sql_sent):
    run = materialize(StockExtractor, warehouse, "2024-03-30", "2024-04-01", checks=True)
    assert run.success
    sent = sql_sent.statements
    replaces = [sql for sql in sent if sql.lstrip().startswith("BEGIN TRANSACTION")]
    views = [sql for sql in sent if sql.startswith("CREATE OR REPLACE VIEW")]
    assert len(replaces) == 1 and f"`{warehouse.table_id('stock')}`" in replaces[0]
    assert len(views) == 1 and f"`{warehouse.table_id('stock_delta')}`" in views[0]
    assert len(sent) >= 5  # and the view's read, the checks' queries
    assert [violations(sql) for sql in sent] == [[] for _ in sent]
    run.rows("stock")  # the kit's own read goes through the project's warehouse: captured too
    assert len(sql_sent.statements) == len(sent) + 1
