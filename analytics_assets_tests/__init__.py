"""Tests of the analytics_assets code location."""
