"""Shared helpers of the benchmark scripts (run as ``python benchmarks/<script>.py``): timing and publishing."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

RESULTS = Path(__file__).parent / "results"


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Run ``fn`` ``repeat`` times; return the shortest wall-clock time in seconds and the last result."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def publish(name: str, text: str) -> Path:
    """Print ``text`` and write it to ``benchmarks/results/<name>.md``; return that path."""
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{name}.md"
    out.write_text(text, encoding="utf-8")
    return out
