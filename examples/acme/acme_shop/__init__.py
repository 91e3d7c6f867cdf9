"""Acme's shop: customers, orders and support tickets."""
