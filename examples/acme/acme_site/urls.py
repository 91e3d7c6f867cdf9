"""Acme's URLs: the help desk's tickets API."""

from acme_shop.api import tickets
from django.urls import path

urlpatterns = [path("api/tickets/", tickets)]
