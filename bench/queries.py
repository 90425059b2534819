"""The type-ahead query set: drawn with a fixed seed from the patients in the database,
so the same profile always gives the same queries, and most queries find someone."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import text

from app.services.phones import national_digits
from app.storage.store import Store

# kind -> how many queries of that kind
MIX = {
    "surname prefix": 60,
    "surname + first-name prefix": 40,
    "full phone": 40,
    "last 4 digits": 30,
    "birth date": 40,
    "birth year": 30,
}


@dataclass(frozen=True)
class Query:
    kind: str
    text: str


def _phone_as_typed(rng: random.Random, e164: str) -> str:
    digits = national_digits(e164)
    pairs = [digits[i:i + 2] for i in range(0, len(digits), 2)]
    style = rng.randrange(5)
    if style == 0:
        return digits
    if style == 1:
        return " ".join(pairs)
    if style == 2:
        return ".".join(pairs)
    if style == 3:
        return "+33 " + digits[1] + " " + " ".join(pairs[1:])
    return "+33" + digits[1:]


def build_queries(store: Store, *, seed: int = 1) -> list[Query]:
    rng = random.Random(f"permanence-bench/{seed}/queries")
    with store.reader() as s:
        top = s.execute(text("SELECT max(rowid) FROM patient")).scalar() or 0
        if not top:
            raise RuntimeError("the profile has no patients to search")
        picks = [rng.randint(1, top) for _ in range(sum(MIX.values()) * 2)]
        rows = s.execute(text(
            "SELECT p.rowid, p.birth_name, p.used_name, p.first_names, p.birth_date, "
            "(SELECT ph.e164 FROM patient_phone ph WHERE ph.patient_id = p.id "
            " ORDER BY ph.position LIMIT 1) "
            "FROM patient p WHERE p.rowid IN (SELECT value FROM json_each(:ids)) "
            "AND p.deleted_at IS NULL"), {"ids": "[" + ",".join(map(str, picks)) + "]"}).all()
    by_rowid = {r[0]: r[1:] for r in rows}
    people = [by_rowid[i] for i in picks if i in by_rowid]
    queries: list[Query] = []
    for kind, count in MIX.items():
        for _ in range(count):
            birth_name, used_name, first_names, birth_date, e164 = rng.choice(people)
            surname = used_name or birth_name
            if kind == "surname prefix":
                q = surname[:rng.randint(2, 5)]
            elif kind == "surname + first-name prefix":
                q = f"{surname} {first_names[:rng.randint(1, 3)]}"
            elif kind == "full phone":
                q = _phone_as_typed(rng, e164)
            elif kind == "last 4 digits":
                q = national_digits(e164)[-4:]
            elif kind == "birth date":
                y, m, d = str(birth_date).split("-")
                q = f"{d}/{m}/{y}"
            else:
                q = str(birth_date)[:4]
            if rng.random() < 0.3:
                q = q.lower()
            queries.append(Query(kind, q))
    rng.shuffle(queries)
    return queries
