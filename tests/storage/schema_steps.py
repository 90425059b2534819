"""Turn a head database back into what an older schema left, to test the upgrades:
``undo_after(conn, revision)`` runs the steps newer than ``revision``, newest first."""

import hashlib
from datetime import datetime, timezone
from pathlib import Path

AGENDA_TABLES = ("waiting_list_entry", "appointment", "appointment_series", "opening_hours",
                 "holiday_opening", "absence", "appointment_type")
SYNCABLE_TABLES = ("practice", "practitioner", "app_user", "patient", "patient_phone",
                   "patient_merge", "duplicate_dismissal", "contact", *AGENDA_TABLES)


def undo_0006(conn) -> None:
    for table in SYNCABLE_TABLES:
        conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN field_versions")
    for column in ("tx_id", "peer_node", "field_versions"):
        conn.exec_driver_sql(f"ALTER TABLE change_journal DROP COLUMN {column}")


def undo_0005(conn) -> None:
    for table in AGENDA_TABLES:  # children first
        conn.exec_driver_sql(f"DROP TABLE {table}")
    conn.exec_driver_sql("ALTER TABLE practice DROP COLUMN holiday_region")


def undo_0007(conn) -> None:
    for table in ("patient_search_variant", "patient_search_word"):
        conn.exec_driver_sql(f"DROP TABLE {table}")


def undo_0008(conn) -> None:
    for table in ("slot_offer", "freed_slot"):
        conn.exec_driver_sql(f"DROP TABLE {table}")
    for column in ("confirmation_by", "confirmation_at", "confirmation"):
        conn.exec_driver_sql(f"ALTER TABLE appointment DROP COLUMN {column}")


def undo_0009(conn) -> None:
    conn.exec_driver_sql("ALTER TABLE practice DROP COLUMN phone")


def undo_0010(conn) -> None:
    """The audit chain hashed the way it was before 0010: without the sequence number."""
    prev, updates = "0" * 64, []
    for seq, at, user_id, action, entity, entity_id, detail in conn.exec_driver_sql(
            "SELECT seq, at, user_id, action, entity, entity_id, detail FROM audit_trail "
            "ORDER BY seq").fetchall():
        instant = datetime.fromisoformat(str(at)).replace(tzinfo=timezone.utc)
        fields = (prev, instant.isoformat(timespec="microseconds"), user_id, action, entity,
                  entity_id, detail)
        h = hashlib.sha256("\x1f".join(fields).encode("utf-8")).hexdigest()
        updates.append((prev, h, seq))
        prev = h
    if updates:
        conn.exec_driver_sql("UPDATE audit_trail SET prev_hash = ?, hash = ? WHERE seq = ?",
                             updates)


CALL_TABLES = ("callback_attempt", "call", "callback")


def undo_0011(conn) -> None:
    for table in CALL_TABLES:  # children first
        conn.exec_driver_sql(f"DROP TABLE {table}")


def undo_0012(conn) -> None:
    for table in ("consigne_ack", "consigne_version", "consigne", "message"):
        conn.exec_driver_sql(f"DROP TABLE {table}")


def undo_0013(conn) -> None:
    for column in ("disabled_at", "practitioner_id", "login"):
        conn.exec_driver_sql(f"ALTER TABLE app_user DROP COLUMN {column}")


def undo_0014(conn) -> None:
    for table in ("sync_peer", "node_identity"):
        conn.exec_driver_sql(f"DROP TABLE {table}")


def undo_0015(conn) -> None:
    conn.exec_driver_sql("DROP TABLE sync_conflict")
    conn.exec_driver_sql("ALTER TABLE change_journal DROP COLUMN base_versions")


def undo_0016(conn) -> None:
    for table in ("call_step", "call_settings"):
        conn.exec_driver_sql(f"DROP TABLE {table}")
    conn.exec_driver_sql("ALTER TABLE appointment_type DROP COLUMN urgent_only")


def undo_0017(conn) -> None:
    conn.exec_driver_sql("ALTER TABLE patient DROP COLUMN erased_at")


def undo_0018(conn) -> None:
    conn.exec_driver_sql("DROP TABLE emergency_access")


def undo_0019(conn) -> None:
    for name in ("ix_patient_phone_first", "ix_patient_sort_live", "ix_patient_search_cover"):
        conn.exec_driver_sql(f"DROP INDEX {name}")
    conn.exec_driver_sql("CREATE INDEX ix_patient_search_cover ON patient "
                         "(id, deleted_at, sort_key)")


def undo_0020(conn) -> None:
    conn.exec_driver_sql("ALTER TABLE practice DROP COLUMN lines")
    conn.exec_driver_sql("ALTER TABLE sync_peer DROP COLUMN policy")


def undo_0021(conn) -> None:
    """Audit entries without their workstation, hashed as they were before 0021 (from the
    cut, if older entries were summarised away)."""
    import json

    cut = conn.exec_driver_sql("SELECT value FROM local_meta WHERE key = 'audit_cut'").scalar()
    prev = json.loads(cut)["hash"] if cut else "0" * 64
    updates = []
    for seq, at, user_id, action, entity, entity_id, detail in conn.exec_driver_sql(
            "SELECT seq, at, user_id, action, entity, entity_id, detail FROM audit_trail "
            "ORDER BY seq").fetchall():
        instant = datetime.fromisoformat(str(at)).replace(tzinfo=timezone.utc)
        fields = (str(seq), prev, instant.isoformat(timespec="microseconds"), user_id, action,
                  entity, entity_id, detail)
        h = hashlib.sha256("\x1f".join(fields).encode("utf-8")).hexdigest()
        updates.append((prev, h, seq))
        prev = h
    if updates:
        conn.exec_driver_sql("UPDATE audit_trail SET prev_hash = ?, hash = ? WHERE seq = ?",
                             updates)
    for column in ("workstation_name", "workstation"):
        conn.exec_driver_sql(f"ALTER TABLE audit_trail DROP COLUMN {column}")
    # The signed checkpoints cover the newer hashes: the trail is left as one not yet
    # anchored, which anchors again (over these hashes) when it is next opened.
    conn.exec_driver_sql("DELETE FROM local_meta WHERE key = 'audit_anchor'")
    db_file = next(row[2] for row in conn.exec_driver_sql("PRAGMA database_list")
                   if row[1] == "main")
    (Path(db_file).parent / "audit-checkpoints.log").unlink(missing_ok=True)


def undo_0022(conn) -> None:
    for index in ("ix_call_missed", "ix_callback_attempt_reached", "ix_callback_number"):
        conn.exec_driver_sql(f"DROP INDEX {index}")
    conn.exec_driver_sql("CREATE INDEX ix_callback_number ON callback (number, done_at)")


def undo_after(conn, revision: str) -> None:
    """Turn a head database back into what ``revision`` left: every step newer than it,
    newest first, then ``alembic_version`` set to it. A new migration adds its
    ``undo_NNNN`` above and every upgrade test follows."""
    steps = sorted((name.removeprefix("undo_"), step) for name, step in globals().items()
                   if name.startswith("undo_0"))
    for number, step in reversed(steps):
        if number > revision:
            step(conn)
    conn.exec_driver_sql("UPDATE alembic_version SET version_num = ?", (revision,))
