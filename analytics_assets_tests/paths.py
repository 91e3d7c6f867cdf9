"""Test helper: where the repository's own files are (the tests run from a checkout)."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
