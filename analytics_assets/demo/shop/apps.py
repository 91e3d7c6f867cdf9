"""Django app configuration of the demo shop."""

from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "analytics_assets.demo.shop"
    label = "shop"
    verbose_name = "Demo shop"
