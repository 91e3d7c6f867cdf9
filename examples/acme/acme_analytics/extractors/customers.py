"""Customers at the end of each local day: how many, how many on a paid plan."""

from dataclasses import dataclass

from analytics_assets.extract import DateAggregatedExtractor, column


@dataclass
class Customers:  # table `customers`, one row a day; customers_delta: the day's new ones
    customers: int = column(
        differentiate=True, description="customers who joined before the day ended"
    )
    paying: int = column(differentiate=True, description="of them, on a paid plan")


class CustomersExtractor(DateAggregatedExtractor[Customers]):
    """Customers of the shop at the end of each local day."""

    owners = ("team:data",)

    def extract(self, start, end):
        from acme_shop.models import Customer  # models inside extract: the location loads fast

        joined = Customer.objects.filter(joined_at__lt=end)
        yield Customers(customers=joined.count(), paying=joined.exclude(plan="free").count())
