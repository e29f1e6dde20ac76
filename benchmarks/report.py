"""What every benchmark prints the same way: durations, the sizes it was asked for, the machine."""

from __future__ import annotations

import os
import platform
from importlib.metadata import version
from pathlib import Path


def duration(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def parse_sizes(text: str) -> list[int]:
    """``"100,1_000,5000"`` -> ``[100, 1000, 5000]``."""
    return [int(size.replace("_", "")) for size in text.split(",") if size.strip()]


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
