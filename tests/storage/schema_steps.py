"""Turn a head database back into what an older schema left, to test the upgrades."""

AGENDA_TABLES = ("waiting_list_entry", "appointment", "appointment_series", "opening_hours",
                 "holiday_opening", "absence", "appointment_type")


def undo_0005(conn) -> None:
    for table in AGENDA_TABLES:  # children first
        conn.exec_driver_sql(f"DROP TABLE {table}")
    conn.exec_driver_sql("ALTER TABLE practice DROP COLUMN holiday_region")


def undo_0006(conn) -> None:
    for table in ("patient_search_variant", "patient_search_word"):
        conn.exec_driver_sql(f"DROP TABLE {table}")
