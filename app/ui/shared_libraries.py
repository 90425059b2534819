"""Which shared libraries an ELF file needs and which of them this system cannot load.

Read from the file's dynamic section, without loading it: the Qt plugin that would fail
is examined before Qt itself is loaded (see app/ui/x11_support.py)."""

from __future__ import annotations

import ctypes
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_PT_LOAD, _PT_DYNAMIC = 1, 2
_DT_NEEDED, _DT_STRTAB, _DT_RPATH, _DT_RUNPATH = 1, 5, 15, 29
_MAX_ENTRIES = 4096  # a dynamic section has a few dozen; more is not a library


class NotElf(ValueError):
    """The file is not an ELF shared object that can be read (never shown to a user:
    the caller then leaves the judgement to Qt)."""


@dataclass(frozen=True)
class Dependencies:
    needed: tuple[str, ...]  # DT_NEEDED sonames, in the file's order
    search: tuple[str, ...]  # DT_RPATH then DT_RUNPATH directories, $ORIGIN expanded


def read_dependencies(path: Path) -> Dependencies:
    """The sonames ``path`` needs and the directories it names to find them."""
    with open(path, "rb") as f:
        ident = f.read(64)
        if ident[:4] != b"\x7fELF" or ident[4:5] not in (b"\1", b"\2") \
                or ident[5:6] not in (b"\1", b"\2"):
            raise NotElf(str(path))
        wide = ident[4] == 2
        if len(ident) < (64 if wide else 52):
            raise NotElf(str(path))
        end = "<" if ident[5] == 1 else ">"
        if wide:
            phoff, = struct.unpack_from(end + "Q", ident, 32)
            phentsize, phnum = struct.unpack_from(end + "HH", ident, 54)
            header, entry = end + "IIQQQQQQ", end + "qQ"
        else:
            phoff, = struct.unpack_from(end + "I", ident, 28)
            phentsize, phnum = struct.unpack_from(end + "HH", ident, 42)
            header, entry = end + "IIIIIIII", end + "iI"
        loads: list[tuple[int, int, int]] = []  # (vaddr, offset, size in file)
        dynamic: tuple[int, int] | None = None
        f.seek(phoff)
        table = f.read(phentsize * phnum)
        if phentsize < struct.calcsize(header) or len(table) < phentsize * phnum:
            raise NotElf(str(path))
        for i in range(phnum):
            fields = struct.unpack_from(header, table, i * phentsize)
            if wide:
                kind, _flags, offset, vaddr, _paddr, filesz = fields[:6]
            else:
                kind, offset, vaddr, _paddr, filesz = fields[:5]
            if kind == _PT_LOAD:
                loads.append((vaddr, offset, filesz))
            elif kind == _PT_DYNAMIC:
                dynamic = (offset, filesz)
        if dynamic is None:
            return Dependencies((), ())
        size = struct.calcsize(entry)
        f.seek(dynamic[0])
        raw = f.read(min(dynamic[1], size * _MAX_ENTRIES))
        tags: list[tuple[int, int]] = []
        for i in range(len(raw) // size):
            tag, value = struct.unpack_from(entry, raw, i * size)
            if tag == 0:
                break
            tags.append((tag, value))
        strtab = next((v for t, v in tags if t == _DT_STRTAB), None)
        if strtab is None:
            raise NotElf(str(path))
        base = next((off + strtab - va for va, off, n in loads if va <= strtab < va + n), None)
        if base is None:
            raise NotElf(str(path))

        def string(at: int) -> str:
            f.seek(base + at)
            chunk = f.read(4096)
            return chunk.split(b"\0", 1)[0].decode("utf-8", "replace")

        needed = tuple(string(v) for t, v in tags if t == _DT_NEEDED)
        paths = [string(v) for t, v in tags if t == _DT_RPATH] + \
            [string(v) for t, v in tags if t == _DT_RUNPATH]
    origin = str(path.parent)
    search = tuple(d.replace("${ORIGIN}", origin).replace("$ORIGIN", origin)
                   for p in paths for d in p.split(":") if d)
    return Dependencies(needed, search)


def load_system_library(soname: str) -> str | None:
    """None if the dynamic loader can load ``soname`` here; otherwise the soname it could
    not find or use (a dependency of ``soname``, or ``soname`` itself)."""
    try:
        ctypes.CDLL(soname)  # what Qt's dlopen() would do; it loads it anyway soon after
    except OSError as exc:
        # glibc says "<name or path>: cannot open shared object file: ..." or
        # "<path>: file too short" / "<path>: undefined symbol: ...".
        first = str(exc).split(": ", 1)[0]
        name = os.path.basename(first)
        return name if ".so" in name else soname
    return None


def missing_libraries(library: Path,
                      load: Callable[[str], str | None] = load_system_library) -> list[str]:
    """The sonames that keep ``library`` from loading, in the order met. Libraries found
    in the directories it names (a bundled Qt's own) are followed; every other one is
    asked of the system's loader through ``load``."""
    missing: list[str] = []
    seen: set[str] = set()

    def visit(path: Path) -> None:
        deps = read_dependencies(path)
        for name in deps.needed:
            if name in seen:
                continue
            seen.add(name)
            bundled = next((Path(d) / name for d in deps.search if (Path(d) / name).is_file()),
                           None)
            if bundled is not None:
                visit(bundled)
                continue
            lacking = load(name)
            if lacking is not None and lacking not in missing:
                missing.append(lacking)

    visit(library)
    return missing
