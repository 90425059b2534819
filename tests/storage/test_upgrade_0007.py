"""A schema-0006 practice upgrades to the vocabulary of name words by sound and by one
letter off, filled from the patients it already holds, so names typed by ear find them."""

from __future__ import annotations

import shutil

from app.models import Patient
from app.services.patients import PatientInput
from app.services.workspace import open_workspace
from app.storage import migrate
from app.storage.engine import make_engine
from app.storage.migrate import head_revision, known_revisions
from app.storage.profile import unlock_key
from tests.conftest import FAST_KDF
from tests.storage.schema_steps import undo_0007, undo_0008

PATIENTS = [
    ("Lefèvre", "Martin", "Hélène"),
    ("Achour", "Vincent", "Suzanne"),
    ("Dupont", "", "Jean-Éric"),
    ("Girard", "", "Matthieu"),
    ("N'Diaye", "", "Philippe"),
]


def _vocabulary(conn) -> tuple[set, set]:
    return (set(conn.exec_driver_sql("SELECT word, sound FROM patient_search_word")),
            set(conn.exec_driver_sql("SELECT variant, word FROM patient_search_variant")))


def _names(ws, query) -> list[str]:
    return [r.display_name for r in ws.patients.search(query)]


def test_a_0006_practice_gains_the_vocabulary_of_its_patients_names(
        workspace, passphrase, clock, tmp_path, monkeypatch):
    assert {"0006", "0007"} <= known_revisions()
    ws = workspace
    for birth, used, first in PATIENTS:
        ws.patients.create(PatientInput(birth_name=birth, used_name=used, first_names=first))
    gone = ws.patients.create(PatientInput(birth_name="Zorglub", first_names="Xavier"))
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        uow.session.get(Patient, gone.id).deleted_at = clock.now()
    paths = ws.paths
    with ws.store.engine.connect() as conn:
        written = _vocabulary(conn)  # what the writes of those names left
    ws.close()

    # The same database as schema 0006 left it: no vocabulary yet.
    key = unlock_key(paths, passphrase=passphrase, kdf_floor=FAST_KDF)
    engine = make_engine(paths.db, key)
    try:
        with engine.begin() as conn:
            undo_0008(conn)
            undo_0007(conn)
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0006'")
    finally:
        engine.dispose()

    # Batches of two rows: the upgrade reads the patients a batch at a time.
    migrations = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, migrations)
    (script,) = (migrations / "versions").glob("0007_*.py")
    source = script.read_text()
    assert "\nBATCH = 5000\n" in source
    script.write_text(source.replace("\nBATCH = 5000\n", "\nBATCH = 2\n"))
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", migrations)

    reopened = open_workspace(paths, key, clock=clock)
    try:
        with reopened.store.engine.connect() as conn:
            assert conn.exec_driver_sql(
                "SELECT version_num FROM alembic_version").scalar() == head_revision()
            sounds, variants = _vocabulary(conn)
            plan = " ".join(str(r) for r in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT word FROM patient_search_word "
                "WHERE sound >= 'LEF' AND sound <= 'LEF~'"))
            assert "ix_patient_search_word_sound" in plan
        # Every live patient's words, as the writes make them; not the removed card's.
        assert ("lefevre", "LEFEVR") in sounds and ("achour", "AXUR") in sounds
        assert ("ndiaye", "NDI") in sounds and ("jeaneric", "JANERIK") in sounds
        assert ("acour", "achour") in variants
        assert not {w for w, _ in sounds} & {"zorglub", "xavier"}
        assert sounds == {r for r in written[0] if r[0] not in {"zorglub", "xavier"}}
        assert variants == {r for r in written[1] if r[1] not in {"zorglub", "xavier"}}
        assert _names(reopened, "lefebvre") == ["MARTIN (LEFÈVRE) Hélène"]
        assert _names(reopened, "acour") == ["VINCENT (ACHOUR) Suzanne"]
        assert _names(reopened, "dupond") == ["DUPONT Jean-Éric"]
        assert _names(reopened, "mathieu") == ["GIRARD Matthieu"]
        assert _names(reopened, "filipe") == ["N'DIAYE Philippe"]
    finally:
        reopened.close()
    assert list(paths.backups.glob("*-before-upgrade.db"))  # backed up first
