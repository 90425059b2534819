"""Per-field version stamps of a syncable row, so that two nodes editing different fields
of one row both keep their edit.

A row's ``version`` is the stamp of its latest write; ``field_versions`` says which
stamp each field carries:
- NULL: every field carries ``version`` (inserted and never changed since, which is
  most rows: reads and bulk inserts pay nothing);
- otherwise a JSON object: ``BASE`` is the stamp of every field it does not list, and
  each listed field has its own (only the fields changed since the insert are listed).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

BASE = "*"  # never a column name


def parse(text: str | None, row_version: int) -> dict[str, int]:
    return json.loads(text) if text else {BASE: row_version}


def of_field(versions: dict[str, int], name: str) -> int:
    return versions.get(name, versions[BASE])


def dump(versions: dict[str, int]) -> str:
    return json.dumps(versions, sort_keys=True, separators=(",", ":"))


def stamped(text: str | None, row_version: int, fields: Iterable[str], stamp: int) -> str:
    """``field_versions`` once ``fields`` are written with ``stamp`` (the row's version
    being ``row_version`` before that write)."""
    versions = parse(text, row_version)
    for name in fields:
        versions[name] = stamp
    return dump(versions)
