"""Reading what the cluster's SMTP sink received (bench/cluster/sink.py writes one line per message)."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Delivery:
    at: float
    message_id: str
    recipients: tuple[str, ...]


def read_sink(log: Path) -> list[Delivery]:
    """Every complete line of the sink's log, in arrival order."""
    if not log.exists():
        return []
    out = []
    for line in log.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 3:
            out.append(Delivery(float(parts[0]), parts[1], tuple(r for r in parts[2].split(",") if r)))
    return out


def count_lines(log: Path) -> int:
    """How many messages the sink has accepted so far (cheap enough to poll a few times a second)."""
    if not log.exists():
        return 0
    with log.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def clear_sink(log: Path) -> None:
    """Forget earlier deliveries; the sink appends (O_APPEND), so it carries on at offset 0."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a", encoding="utf-8"):
        pass
    os.truncate(log, 0)


@dataclass(frozen=True)
class SinkSummary:
    messages: int
    distinct: int
    duplicated: dict[str, int]
    """Message-ID -> deliveries, for the Message-IDs delivered more than once."""
    first: float | None
    last: float | None


def summarise(deliveries: list[Delivery]) -> SinkSummary:
    counts = Counter(d.message_id for d in deliveries)
    return SinkSummary(
        messages=len(deliveries),
        distinct=len(counts),
        duplicated={mid: n for mid, n in counts.items() if n > 1},
        first=min((d.at for d in deliveries), default=None),
        last=max((d.at for d in deliveries), default=None),
    )
