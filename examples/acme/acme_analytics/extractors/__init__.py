"""One module per extractor; every extractor class defined here becomes a daily asset."""
