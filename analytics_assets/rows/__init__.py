"""Rows: extractor output validated against its declaration, then staged for the warehouse."""
