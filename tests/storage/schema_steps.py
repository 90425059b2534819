"""Turn a head database back into what an older schema left, to test the upgrades.

Call them newest first: ``undo_0008``, ``undo_0007``, ``undo_0006``, then ``undo_0005``."""

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
    for column in ("disabled_at", "practitioner_id", "login"):
        conn.exec_driver_sql(f"ALTER TABLE app_user DROP COLUMN {column}")
