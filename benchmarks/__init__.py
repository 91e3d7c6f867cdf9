"""The performance benchmark of issue #6: catch-up, daily run, big day and code-location load.

Run it with ``uv run python -m benchmarks`` (``--quick`` for a small smoke
run). Every figure is measured next to its reference in the same run and reported as a
ratio; see :mod:`benchmarks.__main__`.
"""
