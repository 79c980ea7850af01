"""Learning-rate schedules, the same pure functions as trainer/schedule.ts."""

from __future__ import annotations

import math
from typing import Any, Mapping


def learning_rate_at(schedule: Mapping[str, Any], position: int) -> float:
    kind = schedule["kind"]
    if kind == "constant":
        warmup = schedule.get("warmupSteps", 0) or 0
        return schedule["value"] * (position + 1) / warmup if position < warmup else schedule["value"]
    if kind == "cosine":
        warmup = schedule.get("warmupSteps", 0) or 0
        if position < warmup:
            return schedule["max"] * (position + 1) / warmup
        low = schedule.get("min", 0) or 0
        multiplier = schedule.get("periodMultiplier", 1) or 1
        t = position - warmup
        period = schedule["periodSteps"]
        while t >= period:
            t -= period
            # Math.round in JS rounds .5 up; floor(x + 0.5) does the same for positive x.
            period = max(1, math.floor(period * multiplier + 0.5))
        return low + (schedule["max"] - low) * (1 + math.cos(math.pi * t / period)) / 2
    if kind == "triangular":
        h = schedule["halfCycleSteps"]
        cycle = math.floor(1 + position / (2 * h))
        x = abs(position / h - 2 * cycle + 1)
        return schedule["min"] + (schedule["max"] - schedule["min"]) * max(0.0, 1 - x)
    raise ValueError(f"learningRate.kind: unknown schedule {kind!r}")
