"""The machine line every benchmark prints under its table."""

from __future__ import annotations

import os
import platform
from importlib.metadata import version
from pathlib import Path


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"`uname -m` {platform.machine()}, {os.cpu_count()} cores"
        + (f" ({cpu})" if cpu else "")
        + f", Python {platform.python_version()}, pulumi {version('pulumi')}, dill {version('dill')}, "
        + f"{platform.system()} {platform.release()}"
    )
