"""``UnitOfWork.bulk_insert`` stores exactly what ``session.add`` stores.

The same rows are written into identical copies of one practice database: one copy
through the ORM (``session.add``, stamped by the unit of work's flush hook), one through
``bulk_insert`` (prepared statements on the driver) and one through the SQLAlchemy Core
path it replaces. Every stored value of the data, journal and audit tables is compared as
SQLite holds it (``quote()`` keeps the storage class: text, integer, NULL).
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from app.models import AuditEntry, Contact, Patient, PatientPhone
from app.models.ids import uuid7
from app.services.check import run_checks
from app.services.workspace import open_workspace
from app.storage.audit import GENESIS, entry_hash
from app.storage.profile import ProfilePaths, unlock_key
from tests.conftest import FAST_KDF

TABLES = ("patient", "patient_phone", "contact", "change_journal", "audit_trail")


@pytest.fixture
def copies(new_practice, passphrase, clock, tmp_path):
    """``copies(n)``: n open workspaces over byte-identical copies of a fresh practice,
    the same frozen clock for all (so the same stamps)."""
    ws = new_practice.workspace
    root = ws.paths.root
    ws.close()
    opened = []

    def make(n: int):
        for _i in range(n):
            dest = tmp_path / f"copy-{len(opened)}"
            shutil.copytree(root, dest, ignore=shutil.ignore_patterns("permanence.lock"))
            paths = ProfilePaths(dest)
            opened.append(open_workspace(paths, unlock_key(paths, passphrase=passphrase, kdf_floor=FAST_KDF),
                                         clock=clock))
        return opened[-n:]

    yield make
    for w in opened:
        w.close()


def stored(ws) -> dict[str, list[tuple]]:
    """Every row of the compared tables, each value as SQLite's ``quote()`` renders it;
    transaction ids (random) as the order in which each first appears."""
    out = {}
    with ws.store.engine.connect() as conn:
        for table in TABLES:
            names = [r[1] for r in conn.exec_driver_sql(f"PRAGMA table_info({table})")]
            cols = ", ".join(f'quote("{n}")' for n in names)
            rows = [tuple(r) for r in conn.exec_driver_sql(
                f"SELECT {cols} FROM {table} ORDER BY rowid")]
            if "tx_id" in names:
                at = names.index("tx_id")
                order: dict[str, int] = {}
                rows = [(*r[:at], order.setdefault(r[at], len(order)), *r[at + 1:])
                        for r in rows]
            out[table] = rows
    return out


def patient_rows(complete: bool) -> list[dict]:
    """Rows as ``PatientService.validate`` gives them; ``complete`` adds the columns it
    leaves out (so the ORM journals the same keys)."""
    rows = []
    texts = ["Lætitia-Chloé", "N'Diaye", 'Guillemets "doubles"', "barre \\ oblique",
             "tab\tet\nligne", "😀 émoji", "\u0001contrôle", "ŒDIPE", "", "Zoë"]
    for i in range(40):
        row = {
            "id": uuid7(),
            "birth_name": texts[i % len(texts)] or "MARTIN",
            "used_name": texts[(i + 3) % len(texts)],
            "first_names": f"Prénom {i}",
            "civility": ("mme", "m", "")[i % 3],
            "sex": ("F", "M", "")[i % 3],
            "email": f"p{i}@exemple.fr" if i % 2 else "",
            "email_other": "",
            "preferred_channel": ("", "sms", "phone", "email", "mail")[i % 5],
            "alert": texts[(i + 5) % len(texts)],
            "referring_contact_id": None,
            "address_line": f"{i} rue de l'Église",
            "postal_code": f"{75000 + i:05d}" if i % 4 else "",
            "city": "Saint-Étienne",
            "referring_doctor": "Dr Lefèvre" if i % 3 else "",
            "admin_note": texts[(i + 7) % len(texts)] * (i % 3),
            "reminder_consent": bool(i % 2),
            "birth_date": None if i % 7 == 0 else date(1930, 1, 1) + timedelta(days=997 * i),
            "call_not_before": None if i % 3 else time(9, i % 60),
            "call_not_after": None if i % 3 else time(18, 30, 5, 123456 * (i % 2)),
            "sort_key": f"martin prenom {i}",
            "identity_key": "" if i % 7 == 0 else f"martin|prenom|{i}",
        }
        if complete:
            row["merged_into_id"] = None
            row["erased_at"] = None
        rows.append(row)
    return rows


def phone_rows(patient_ids: list[str], *, with_defaults: bool) -> list[dict]:
    rows = []
    for n, pid in enumerate(patient_ids):
        for pos in range(n % 3):
            row = {"id": uuid7(), "patient_id": pid, "raw": f"06 12 34 56 {n:02d}",
                   "e164": f"+336123456{n:02d}"}
            if with_defaults:
                row["kind"] = ("mobile", "home", "work")[pos]
                row["position"] = pos
            rows.append(row)
    return rows


def write_orm(ws, model, rows: list[dict]) -> None:
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        for row in rows:
            uow.session.add(model(**row))
        uow.session.flush()


def write_bulk(ws, model, rows: list[dict], *, core: bool = False) -> list[str]:
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        if core:
            return uow._bulk_insert_core(model, rows)  # noqa: SLF001 - the former path
        return uow.bulk_insert(model, rows)


def test_bulk_stores_what_the_orm_stores(copies):
    orm, bulk = copies(2)
    patients = patient_rows(complete=True)
    phones = phone_rows([r["id"] for r in patients], with_defaults=True)
    for ws in (orm, bulk):
        write = write_orm if ws is orm else write_bulk
        write(ws, Patient, [dict(r) for r in patients])
        write(ws, PatientPhone, [dict(r) for r in phones])
    expected, got = stored(orm), stored(bulk)
    assert len(got["patient"]) == 40 and len(got["patient_phone"]) == len(phones) > 0
    assert len(got["change_journal"]) >= 40 + len(phones)
    for table in TABLES:
        assert got[table] == expected[table], table
    assert all(item.ok for item in run_checks(bulk.store))


def test_bulk_stores_what_the_core_path_stored(copies):
    """Rows as the services give them: columns left out get their defaults in the table,
    and the journal carries the keys that were given, as before."""
    core, bulk = copies(2)
    patients = patient_rows(complete=False)
    phones = phone_rows([r["id"] for r in patients], with_defaults=False)
    contacts = [{"id": uuid7(), "name": f"Cabinet {i} – Saint-Éloi", "category": "doctor",
                 "phone_e164": "+33145678900", "note": "n°\u00a0" * i} for i in range(5)]
    for ws in (core, bulk):
        use_core = ws is core
        write_bulk(ws, Patient, [dict(r) for r in patients], core=use_core)
        write_bulk(ws, PatientPhone, [dict(r) for r in phones], core=use_core)
        write_bulk(ws, Contact, [dict(r) for r in contacts], core=use_core)
    assert len(stored(bulk)["contact"]) == 5
    for table in TABLES:
        assert stored(bulk)[table] == stored(core)[table], table
    # The journal of a phone row given without kind and position lists what was given.
    with bulk.store.engine.connect() as conn:
        payload = conn.exec_driver_sql(
            "SELECT payload FROM change_journal WHERE entity = 'patient_phone' "
            "ORDER BY seq DESC LIMIT 1").scalar_one()
    assert "kind" not in json.loads(payload)
    assert all(item.ok for item in run_checks(bulk.store))


def test_rows_without_ids_get_new_ones_and_a_chained_entry_each(copies):
    (ws,) = copies(1)
    with ws.store.engine.connect() as conn:
        last = conn.exec_driver_sql(
            "SELECT hash FROM audit_trail ORDER BY seq DESC LIMIT 1").scalar() or GENESIS
        first_seq = conn.exec_driver_sql(
            "SELECT coalesce(max(seq), 0) FROM audit_trail").scalar_one()
    rows = [{k: v for k, v in r.items() if k != "id"} for r in patient_rows(complete=False)]
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        ids = uow.bulk_insert(Patient, rows)
        now = uow.now
    assert len(set(ids)) == len(rows)
    with ws.store.reader() as s:
        stamps = s.execute(select(Patient.id, Patient.version, Patient.created_at)
                           .order_by(Patient.version)).all()
        entries = s.execute(select(AuditEntry).where(AuditEntry.seq > first_seq)
                            .order_by(AuditEntry.seq)).scalars().all()
    assert [r.id for r in stamps] == ids  # stamped in the order given, one version each
    assert len({r.version for r in stamps}) == len(ids)
    assert all(r.created_at == now for r in stamps)
    assert [e.entity_id for e in entries] == ids
    for e in entries:
        assert e.prev_hash == last
        assert e.workstation == ws.store.node_id
        assert e.hash == entry_hash(e.seq, last, e.at, e.user_id, "create", "patient",
                                    e.entity_id, "", e.workstation, e.workstation_name)
        last = e.hash


def test_rows_with_different_columns_are_refused(copies):
    (ws,) = copies(1)
    rows = patient_rows(complete=False)[:2]
    del rows[1]["alert"]
    with pytest.raises(ValueError):
        write_bulk(ws, Patient, rows)
    assert stored(ws)["patient"] == []


def test_a_naive_instant_is_refused_as_by_the_orm(copies):
    (ws,) = copies(1)
    rows = patient_rows(complete=False)[:1]
    rows[0]["deleted_at"] = datetime(2026, 1, 1)
    with pytest.raises(Exception, match="naive"):
        write_bulk(ws, Patient, rows)
