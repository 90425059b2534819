"""Sync batches: sealing and opening 10,000 changes, and their size.

    python -m bench.bench_sync_batch [--changes N] [--runs N] [--dir DIR]

Two real practices (encrypted profiles, cheap passphrase cost) in a temporary folder on
the disk of ``bench/.cache``. The sender journals ``N`` changes (four fifths new patient
cards in transactions of 100, one fifth edits of a card's town in transactions of 20).

- export: read the journal for the peer, group it into whole transactions, build the
  document, gzip, encrypt to the receiver (age) and sign the header; against the same
  read and document written as plain JSON (no compression, no encryption, no signature);
- import: verify the header and digest, decrypt, parse and apply in one transaction on
  a fresh copy of the receiver; against applying the same changes, already in memory,
  on another fresh copy (the apply path alone);
- size: the raw JSON, gzip-compressed, and the ``.age`` file.

Medians of ``--runs``; targets (issue: export ≤ 2 s, import ≤ 3 s) marked MISSED when
missed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pyrage import x25519

from app.clock import SystemClock
from app.models import Patient
from app.services.practice import PracticeInput, PractitionerInput
from app.services.workspace import create_practice, open_workspace
from app.storage.keys import KdfParams
from app.storage.migrate import head_revision, known_revisions
from app.storage.profile import ProfilePaths, unlock_key
from app.sync import batch
from bench.profiles import CACHE, throwaway_copy
from bench.stats import median, ratio, sec, times

_KDF = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
PASSPHRASE = "banc d'essai des lots de synchronisation"
TARGETS = {"export": 2.0, "import": 3.0}
INSERT_TX, EDIT_TX = 100, 20


def _practice(root: Path, name: str):
    return create_practice(
        ProfilePaths(root),
        PracticeInput(name=name, owner_name="Dr Banc",
                      practitioners=[PractitionerInput("Jeanne", "Banc", "Médecine générale")]),
        passphrase=PASSPHRASE, keychain=None, clock=SystemClock(), kdf=_KDF).workspace


def _journal_changes(ws, n: int) -> None:
    inserts = n * 4 // 5
    ids: list[str] = []
    for start in range(0, inserts, INSERT_TX):
        rows = [{"birth_name": f"NOM{i:05d}", "first_names": "Léa Marie", "city": "Lyon",
                 "postal_code": "69003", "email": f"patient{i}@exemple.fr",
                 "sort_key": f"nom{i:05d} lea marie"}
                for i in range(start, min(start + INSERT_TX, inserts))]
        with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
            ids += uow.bulk_insert(Patient, rows)
    edits = n - inserts
    for start in range(0, edits, EDIT_TX):
        with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
            for pid in ids[start:start + min(EDIT_TX, edits - start)]:
                uow.session.get(Patient, pid).city = "Villeurbanne"


def _open(paths: ProfilePaths):
    return open_workspace(paths, unlock_key(paths, passphrase=PASSPHRASE, kdf_floor=_KDF),
                          clock=SystemClock())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_sync_batch")
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None,
                        help="folder for the temporary practices (default: bench/.cache)")
    args = parser.parse_args(argv)
    base = args.dir or CACHE
    base.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="sync-batch-", dir=base))
    try:
        return _run(folder, args.changes, args.runs)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run(folder: Path, n: int, runs: int) -> int:
    signing = Ed25519PrivateKey.generate()
    public = signing.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    signing_raw = signing.private_bytes_raw()
    identity = x25519.Identity.generate()
    recipient = str(identity.to_public())
    schemas = known_revisions()

    receiver = _practice(folder / "receiver", "Secrétariat du banc d'essai")
    receiver_id, receiver_paths = receiver.store.node_id, receiver.paths
    receiver.close()
    sender = _practice(folder / "sender", "Cabinet du banc d'essai")
    # The practice's own setup is not part of the figure: the peer has acknowledged it.
    setup = sender.store.changes_for_peer(receiver_id)
    mark = setup[-1][0] if setup else 0
    started = time.perf_counter()
    _journal_changes(sender, n)
    print(f"sender journal: {n} changes written in {sec(time.perf_counter() - started)}")

    export, export_ref, imports, import_ref = [], [], [], []
    sealed = document = None
    try:
        for _ in range(runs):
            t0 = time.perf_counter()
            entries = sender.store.changes_for_peer(receiver_id, after_seq=mark)
            txs, through = batch.transactions_of(entries)
            document = batch.payload_document(txs, sender=sender.store.node_id,
                                              receiver=receiver_id, seq=1, acknowledges=0,
                                              journal_through=through)
            plain = json.dumps(document, ensure_ascii=False).encode("utf-8")
            export_ref.append(time.perf_counter() - t0)
            assert plain and len(entries) == n, len(entries)

            t0 = time.perf_counter()
            entries = sender.store.changes_for_peer(receiver_id, after_seq=mark)
            txs, through = batch.transactions_of(entries)
            document = batch.payload_document(txs, sender=sender.store.node_id,
                                              receiver=receiver_id, seq=1, acknowledges=0,
                                              journal_through=through)
            sealed = batch.seal(document, signing_key=signing_raw, recipient=recipient,
                                schema=head_revision(), prev="",
                                created_at=sender.clock.now())
            export.append(time.perf_counter() - t0)
        changes = [c for _s, c in entries]

        for run in range(runs):
            ref = _open(throwaway_copy(receiver_paths.root, folder / f"ref-{run}"))
            try:
                t0 = time.perf_counter()
                ref.store.apply_remote(changes, peer_node_id=sender.store.node_id,
                                       actor_id=ref.user_id)
                import_ref.append(time.perf_counter() - t0)
            finally:
                ref.close()
            ws = _open(throwaway_copy(receiver_paths.root, folder / f"run-{run}"))
            try:
                t0 = time.perf_counter()
                checked = batch.verify(sealed.header, sealed.ciphertext, receiver=receiver_id,
                                       sender_key=public, revoked_at=None, next_seq=1,
                                       last_hash="", known_schemas=schemas,
                                       now=ws.clock.now())
                payload = batch.open_batch(checked, sealed.ciphertext, str(identity))
                ws.store.apply_remote(payload.changes, peer_node_id=payload.sender,
                                      actor_id=ws.user_id)
                imports.append(time.perf_counter() - t0)
            finally:
                ws.close()
    finally:
        sender.close()

    size = batch.measure(document)
    e, er, i, ir = median(export), median(export_ref), median(imports), median(import_ref)
    print(f"changes: {size.changes} in {size.transactions} transactions; runs: {runs}")
    print(f"export (read, seal: gzip + age + Ed25519): median {sec(e)}"
          f"{_mark(e, 'export')}; plain JSON of the same read {sec(er)}; "
          f"ratio {times(ratio(e, er))}")
    print(f"import (verify, decrypt, parse, apply):     median {sec(i)}"
          f"{_mark(i, 'import')}; apply alone {sec(ir)}; ratio {times(ratio(i, ir))}")
    print(f"size: raw JSON {size.raw_json / 1024:.0f} KiB, gzip {size.compressed / 1024:.0f} "
          f"KiB, .age {len(sealed.ciphertext) / 1024:.0f} KiB "
          f"({times(ratio(len(sealed.ciphertext), size.raw_json))} of the raw JSON), "
          f"header {len(sealed.header)} bytes")
    return 0


def _mark(value: float, target: str) -> str:
    return f" (target ≤ {TARGETS[target]:.0f} s{', MISSED' if value > TARGETS[target] else ''})"


if __name__ == "__main__":
    sys.exit(main())
