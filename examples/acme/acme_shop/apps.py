"""The shop's Django app."""

from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "acme_shop"
