"""Is the audit trail whole? The hash chain in the database, checked against the signed
checkpoints kept outside it (``app.storage.checkpoints``).

The report names one problem, the first found, and the first entry it concerns (by
sequence number): an entry that does not chain (edited), one that is missing (deleted
in the middle, or after the last one there is when the checkpoints are ahead: a tail
removed or an older copy of the database put back), a trail emptied while the
database holds data, a checkpoint file altered, missing or restarted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select

from app.models.journal import ChangeJournal, LocalMeta
from app.storage.audit import verify_chain
from app.storage.checkpoints import (
    HEAD,
    META_ANCHOR,
    RESTORE,
    START,
    SUMMARY,
    parse,
    public_hex,
    read_log,
)

# A database holding data has journal entries: the unit of work journals every row.
_ANY_DATA = select(ChangeJournal.seq).limit(1)

# Problems, most basic first.
OK = "ok"
EDITED = "edited"  # the entry does not chain (altered, or renumbered)
MISSING = "missing"  # the entry is absent
DIFFERS = "differs"  # the entry chains, but not to what was checkpointed: rewritten
BEHIND = "behind"  # the checkpoints are ahead of the database: tail gone, older copy
EMPTIED = "emptied"  # no entry at all while the database holds data
CUT_UNSIGNED = "cut_unsigned"  # entries summarised away without a signed summary
FILE_ALTERED = "file_altered"  # a line of the checkpoint file does not verify
FILE_MISSING = "file_missing"  # anchored, but the file is gone or was started again
UNANCHORED = "unanchored"  # the file is there, the database forgot it was anchored
MIRROR_AHEAD = "mirror_ahead"  # the keychain holds a checkpoint the file lacks


@dataclass(frozen=True)
class TrailReport:
    problem: str
    entries: int
    seq: int | None = None  # the first entry concerned
    line: int | None = None  # the checkpoint file's line concerned
    checkpoints: int = 0

    @property
    def ok(self) -> bool:
        return self.problem == OK


def verify_trail(store) -> TrailReport:
    anchor = store.anchor
    with store.reader() as session:
        anchored = session.get(LocalMeta, META_ANCHOR)
        data = session.execute(_ANY_DATA).first() is not None
        if anchor is None:  # a bare store: the chain alone
            chain = verify_chain(session)
            return _chain_only(chain, data)
        read = read_log(anchor.log.path, anchor.log.public)
        expected: dict[int, str] = {}
        for record in read.records:
            if record["kind"] in (START, HEAD, SUMMARY, RESTORE):  # an entry and its hash
                expected.setdefault(record["seq"], record["hash"])
        differs: list[int] = []

        def compare(seq: int, h: str) -> None:
            if not differs and expected.get(seq, h) != h:
                differs.append(seq)

        chain = verify_chain(session, on_entry=compare)
        cut = chain.cut
    n = chain.entries
    records = read.records
    if read.bad_line is not None:
        return TrailReport(FILE_ALTERED, n, line=read.bad_line, checkpoints=len(records))
    if anchored is None and records:
        return TrailReport(UNANCHORED, n, checkpoints=len(records))
    if anchored is not None and (not records or records[0]["kind"] != START
                                 or _restarted(records)
                                 or _other_key(anchored.value, anchor.log.public)):
        return TrailReport(FILE_MISSING, n, checkpoints=len(records))
    if cut.seq < 0:  # the cut's record was damaged: where the trail starts is unknown
        return TrailReport(CUT_UNSIGNED, n, None, checkpoints=len(records))
    if not chain.ok:
        return TrailReport(MISSING if chain.missing else EDITED, n, chain.first_broken_seq,
                           checkpoints=len(records))
    if differs:
        return TrailReport(DIFFERS, n, differs[0], checkpoints=len(records))
    if cut.seq > 0 and not any(r["kind"] == SUMMARY and r["seq"] == cut.seq
                               and r["hash"] == cut.hash for r in records):
        return TrailReport(CUT_UNSIGNED, n, cut.seq, checkpoints=len(records))
    ahead = max((r["seq"] for r in records), default=0)
    if n == 0 and data and (cut.seq == 0 or ahead > cut.seq):
        return TrailReport(EMPTIED, n, cut.seq + 1, checkpoints=len(records))
    if ahead > chain.last_seq:
        return TrailReport(BEHIND, n, chain.last_seq + 1, checkpoints=len(records))
    mirrored = _mirrored(anchor)
    if mirrored is not None and (mirrored["seq"] > ahead
                                 or expected.get(mirrored["seq"]) != mirrored["hash"]):
        seq = mirrored["seq"] if mirrored["seq"] > chain.last_seq else None
        return TrailReport(MIRROR_AHEAD, n, seq, checkpoints=len(records))
    return TrailReport(OK, n, checkpoints=len(records))


def _chain_only(chain, data: bool) -> TrailReport:
    if not chain.ok:
        return TrailReport(MISSING if chain.missing else EDITED, chain.entries,
                           chain.first_broken_seq)
    if chain.entries == 0 and chain.cut.seq == 0 and data:
        return TrailReport(EMPTIED, 0, 1)
    return TrailReport(OK, chain.entries)


def _restarted(records: list[dict]) -> bool:
    return any(r["kind"] == START for r in records[1:])


def _other_key(value: str, public) -> bool:
    try:
        return json.loads(value)["public"] != public_hex(public)
    except (ValueError, KeyError, TypeError):
        return True


def _mirrored(anchor) -> dict | None:
    keychain = anchor.keychain
    if keychain is None:
        return None
    line = keychain.load(anchor.account)
    return parse(line, anchor.log.public) if line else None


