"""Acme's own assets and checks beside the mounted tables: they read them from BigQuery."""

import dagster as dg

from analytics_assets.warehouse.resource import BigQueryWarehouse

ORDERS = dg.AssetKey(["analytics", "order"])
CUSTOMERS = dg.AssetKey(["analytics", "customers"])


@dg.asset(
    deps=[ORDERS, CUSTOMERS], required_resource_keys={"analytics_warehouse"}, group_name="reports"
)
def revenue_per_customer(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Paid revenue of all time divided by the customers of the latest day."""
    warehouse: BigQueryWarehouse = context.resources.analytics_warehouse
    revenue = next(
        iter(
            warehouse.run_query(
                f"SELECT COALESCE(SUM(amount), 0) AS v FROM `{warehouse.table_id('order')}` "
                "WHERE status = 'paid'",
                "revenue_per_customer",
            )
        )
    ).v
    customers = next(
        iter(
            warehouse.run_query(
                f"SELECT customers AS v FROM `{warehouse.table_id('customers')}` "
                "ORDER BY date DESC LIMIT 1",
                "revenue_per_customer",
            )
        ),
        None,
    )
    per_customer = float(revenue) / customers.v if customers and customers.v else 0.0
    return dg.MaterializeResult(metadata={"revenue_per_customer": per_customer})


@dg.asset_check(asset=ORDERS, required_resource_keys={"analytics_warehouse"})
def no_negative_amounts(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    """A check of the team's own on a mounted table: no order has a negative amount."""
    warehouse: BigQueryWarehouse = context.resources.analytics_warehouse
    row = next(
        iter(
            warehouse.run_query(
                f"SELECT COUNT(*) AS n FROM `{warehouse.table_id('order')}` WHERE amount < 0",
                "no_negative_amounts",
            )
        )
    )
    return dg.AssetCheckResult(passed=row.n == 0, metadata={"negative": row.n})
