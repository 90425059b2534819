"""Small statistics and formatting helpers (standard library only)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return math.nan
    data = sorted(values)
    k = (len(data) - 1) * p / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    if lo == hi:
        return data[lo]
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


def ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(a) and not math.isnan(b) else math.nan


def ms(seconds: float) -> str:
    if math.isnan(seconds):
        return "–"
    value = seconds * 1000
    return f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms"


def sec(seconds: float) -> str:
    return "–" if math.isnan(seconds) else f"{seconds:.2f} s"


def times(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.2f}×"


def mib(n_bytes: float) -> str:
    return "–" if math.isnan(n_bytes) else f"{n_bytes / 2**20:.0f} MB"
