"""patient search: the words of the names by sound (French phonetic key) and by one
letter off, so that a name typed by ear finds the patient

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""
from alembic import op

from app.models.phonetic import vocabulary_rows
from app.models.text import name_terms

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    # The vocabulary of the folded name words that the patient search index holds
    # (see app/services/search_index.py): derived data like the index itself, local to
    # this database and never journaled. WITHOUT ROWID: each table is its own index.
    op.execute("CREATE TABLE patient_search_word ("
               "word TEXT NOT NULL PRIMARY KEY, sound TEXT NOT NULL) WITHOUT ROWID")
    op.execute("CREATE INDEX ix_patient_search_word_sound ON patient_search_word (sound)")
    op.execute("CREATE TABLE patient_search_variant ("
               "variant TEXT NOT NULL, word TEXT NOT NULL, PRIMARY KEY (variant, word)"
               ") WITHOUT ROWID")

    # The names of the patients already there, a batch of rows at a time in id order:
    # only the distinct words are held, never the whole table.
    conn = op.get_bind()
    seen: set[str] = set()
    last = ""
    while True:
        rows = conn.exec_driver_sql(
            "SELECT id, birth_name, used_name, first_names FROM patient "
            "WHERE deleted_at IS NULL AND id > ? ORDER BY id LIMIT ?", (last, BATCH)).fetchall()
        if not rows:
            break
        last = rows[-1][0]
        words = {t for _, *names in rows for name in names for t in name_terms(name or "")}
        sounds, variants = vocabulary_rows(words - seen)
        seen |= words
        if sounds:
            conn.exec_driver_sql("INSERT OR IGNORE INTO patient_search_word (word, sound) "
                                 "VALUES (?, ?)", sounds)
        if variants:
            conn.exec_driver_sql("INSERT OR IGNORE INTO patient_search_variant (variant, word) "
                                 "VALUES (?, ?)", variants)


def downgrade() -> None:
    raise NotImplementedError("Permanence never downgrades a practice database")

