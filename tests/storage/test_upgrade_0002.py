"""A practice created by the first release upgrades to the directory schema, data intact."""

from __future__ import annotations

import shutil

from app.storage import migrate
from app.storage.engine import make_engine
from app.storage.profile import ProfilePaths, create_database, open_profile

ROW = {"id": "0190a5b2-0000-7000-8000-000000000001", "civility": "mme",
       "birth_name": "Lefèvre", "used_name": "Martin", "first_names": "Hélène Marie",
       "birth_date": "1975-07-01", "sex": "F", "email": "h.martin@example.fr",
       "address_line": "3 rue des Lilas", "postal_code": "37000", "city": "Tours",
       "referring_doctor": "Dr Faure", "admin_note": "", "reminder_consent": 1,
       "sort_key": "martin helene marie", "created_at": "2026-03-16 08:30:00.000000",
       "updated_at": "2026-03-16 08:30:00.000000", "version": 1, "origin_node": "n",
       "deleted_at": None}


def test_first_schema_patients_gain_a_homonym_key_and_keep_their_fields(
        tmp_path, monkeypatch, fast_kdf, clock, passphrase):
    first = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, first)
    for script in (first / "versions").glob("*.py"):
        if script.name[:4].isdigit() and script.name[:4] != "0001":
            script.unlink()
    real_dir = migrate.MIGRATIONS_DIR
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", first)
    paths = ProfilePaths(tmp_path / "old")
    created = create_database(paths, passphrase=passphrase, keychain=None, kdf=fast_kdf,
                              clock=clock)
    engine = make_engine(paths.db, created.key)
    try:
        with engine.begin() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0001"
            cols = ", ".join(ROW)
            conn.exec_driver_sql(f"INSERT INTO patient ({cols}) VALUES ({', '.join('?' * len(ROW))})",
                                 tuple(ROW.values()))
    finally:
        engine.dispose()

    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", real_dir)
    with open_profile(paths, created.key, clock=clock) as opened:
        with opened.store.engine.connect() as conn:
            row = conn.exec_driver_sql(
                "SELECT identity_key, email, email_other, alert, preferred_channel, "
                "call_not_before, referring_contact_id, merged_into_id, city "
                "FROM patient WHERE id = ?", (ROW["id"],)).one()
            assert tuple(row) == ("lefevre|helene|1975-07-01", "h.martin@example.fr", "", "",
                                  "", None, None, None, "Tours")
            assert conn.exec_driver_sql("SELECT count(*) FROM contact").scalar() == 0
            plan = conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id FROM patient WHERE identity_key = 'x' "
                "AND deleted_at IS NULL").all()
            assert "ix_patient_identity_key" in " ".join(str(r) for r in plan)
    assert list(paths.backups.glob("*-before-upgrade.db"))  # backed up first
