"""This code location's extractors: one module each; every extractor class here becomes an asset."""
