"""Pinned server keys kept in memory, for tests that need no profile."""

from __future__ import annotations


class MemoryPins:
    def __init__(self) -> None:
        self.pins: dict[str, str] = {}

    def get(self, host_port: str) -> str | None:
        return self.pins.get(host_port)

    def put(self, host_port: str, key_line: str) -> None:
        self.pins[host_port] = key_line
