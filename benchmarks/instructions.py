"""Counting the instructions a process executes, under valgrind's callgrind.

The count is the same for the same work however busy the machine is, where wall and CPU
time on these shared 2-core machines spread by a quarter from one run to the next.
"""

from __future__ import annotations

import re
import shutil
import subprocess


def start_counting(command: list[str], environment: dict[str, str]) -> subprocess.Popen[str] | None:
    """Start ``command`` under callgrind (about 40 times slower); None: no valgrind here."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    return subprocess.Popen(
        [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def counted(process: subprocess.Popen[str]) -> int:
    """The instructions the process :func:`start_counting` started executed, once it ends."""
    _, errors = process.communicate()
    total = re.search(r"Collected : (\d+)", errors)
    if process.returncode != 0 or total is None:
        raise RuntimeError(f"callgrind failed ({process.returncode}): {errors[-2000:]}")
    return int(total[1])
