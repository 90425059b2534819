"""The type-ahead query set: drawn with a fixed seed from the patients in the database,
so the same profile always gives the same queries, and most queries find someone."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from sqlalchemy import text

from app.models.text import fold, name_tokens
from app.services.phones import national_digits
from app.storage.store import Store

# kind -> how many queries of that kind
TYPED = {
    "surname prefix": 60,
    "surname + first-name prefix": 40,
    "full phone": 40,
    "last 4 digits": 30,
    "birth date": 40,
    "birth year": 30,
}
# On the phone: a surname typed by ear (respelt as it sounds, or one letter off), alone or
# with the start of a first name; a number dictated in pairs, stopped after 2 to 4 pairs.
ON_THE_PHONE = {
    "surname typed by ear": 40,
    "phone dictated in pairs": 30,
}
MIX = TYPED | ON_THE_PHONE


@dataclass(frozen=True)
class Query:
    kind: str
    text: str
    patient_id: str = ""  # who the caller is, for the kinds that say it


# Respellings heard alike (on folded names); one that applies is drawn for each query.
_BY_EAR = [(re.compile(a), b) for a, b in (
    (r"ph", "f"), (r"th", "t"), (r"eau", "o"), (r"au", "o"), (r"bv", "v"), (r"y", "i"),
    (r"(.)\1", r"\1"), (r"t$", "d"), (r"d$", "t"), (r"[sx]$", ""), (r"qu", "k"),
    (r"c(?=[aou])", "k"), (r"ai(?!l)", "e"), (r"er$", "e"), (r"oi", "oy"), (r"an", "en"),
    (r"en", "an"), (r"in", "ain"), (r"ch", "sh"), (r"(?<=[aeiou])s(?=[aeiou])", "z"),
)]


def _by_ear(rng: random.Random, surname: str) -> str:
    """``surname`` as a secretary may type it after hearing it."""
    word = " ".join(name_tokens(surname))
    rules = [(pattern, repl) for pattern, repl in _BY_EAR if pattern.search(word)]
    if rules:
        pattern, repl = rng.choice(rules)
        return pattern.sub(repl, word, count=1)
    if len(word) < 4 or " " in word:
        return word
    i = rng.randrange(1, len(word))  # one letter missed, not the first
    return word[:i] + word[i + 1:]


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
        picks = [rng.randint(1, top) for _ in range(sum(TYPED.values()) * 2)]
        rows = s.execute(text(
            "SELECT p.rowid, p.id, p.birth_name, p.used_name, p.first_names, p.birth_date, "
            "(SELECT ph.e164 FROM patient_phone ph WHERE ph.patient_id = p.id "
            " ORDER BY ph.position LIMIT 1) "
            "FROM patient p WHERE p.rowid IN (SELECT value FROM json_each(:ids)) "
            "AND p.deleted_at IS NULL"), {"ids": "[" + ",".join(map(str, picks)) + "]"}).all()
    by_rowid = {r[0]: r[1:] for r in rows}
    people = [by_rowid[i] for i in picks if i in by_rowid]
    queries: list[Query] = []
    for kind, count in TYPED.items():
        for _ in range(count):
            _pid, birth_name, used_name, first_names, birth_date, e164 = rng.choice(people)
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
    # Drawn apart, so the kinds above keep the queries of earlier runs.
    phone_rng = random.Random(f"permanence-bench/{seed}/on-the-phone")
    for kind, count in ON_THE_PHONE.items():
        for _ in range(count):
            pid, birth_name, used_name, first_names, _born, e164 = phone_rng.choice(people)
            if kind == "surname typed by ear":
                q = _by_ear(phone_rng, phone_rng.choice([used_name or birth_name, birth_name]))
                if phone_rng.random() < 0.3:
                    q += " " + fold(first_names)[:phone_rng.randint(2, 4)]
            else:
                digits = national_digits(e164)
                q = " ".join(digits[i:i + 2] for i in range(0, 2 * phone_rng.randint(2, 4), 2))
            queries.append(Query(kind, q, pid))
    rng.shuffle(queries)
    return queries
