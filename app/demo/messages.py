"""The demo's consignes and messages: a handful of standing instructions, one of them
revised, and a few weeks of messages left for the practitioners, most of them treated.

Written through the services, as a secretary would. Messages are back-dated: for each
write the store's wall clock (``store.clock``, which dates rows, journal and audit) is
set to the time it happened; the version stamps keep following the real clock, so they
stay in write order.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import select

from app.clock import FrozenClock
from app.models import AppointmentType, MessagePriority
from app.services.consignes import ConsigneInput
from app.services.messages import MessageInput
from app.services.workspace import Workspace

# (practitioner index or None for the practice, text, important, motif names, days valid)
CONSIGNES: tuple[tuple[int | None, str, bool, tuple[str, ...], int | None], ...] = (
    (0, "Pas de nouveau patient le vendredi : proposer un autre jour ou un confrère.", False,
     ("Première consultation",), None),
    (None, "Résultats de biologie : ne pas communiquer par téléphone ; proposer une "
           "téléconsultation ou un rendez-vous.", True, (), None),
    (1, "Urgence pédiatrique : transférer au cabinet avant d'orienter vers le 15.", True, (),
     None),
    (None, "Grippe saisonnière : vaccination sans rendez-vous le mercredi matin.", False,
     ("Vaccination",), 30),
    (2, "Séances de kinésithérapie : demander l'ordonnance avant de fixer la première "
        "séance.", False, (), None),
)
# The first one was written more strictly at first, then relaxed: two versions.
FIRST_VERSION = "Plus aucun nouveau patient."

CALLERS = (
    ("Laboratoire Cerballiance", "02 47 39 12 40"), ("Pharmacie des Tilleuls", "02 47 53 20 11"),
    ("EHPAD Les Glycines", "02 47 67 45 90"), ("Cabinet de radiologie du Cher", "02 47 28 64 10"),
    ("CPAM d'Indre-et-Loire", "36 46"), ("Infirmière libérale, Mme Roux", "06 71 24 58 33"),
)
PATIENT_TEXTS = (
    "Demande le renouvellement de son ordonnance habituelle ; passera la chercher demain.",
    "Souhaite être rappelé(e) au sujet de son arrêt de travail.",
    "Demande un certificat pour le sport ; voir s'il faut un rendez-vous.",
    "A reçu un courrier de l'hôpital, demande s'il faut avancer le rendez-vous.",
    "Demande si le rendez-vous de suivi peut se faire en téléconsultation.",
    "Demande un duplicata de la feuille de soins.",
    "Appel pour les résultats d'analyses : rappel par le médecin souhaité.",
)
CALLER_TEXTS = (
    "Résultats à transmettre au médecin ; rappeler le laboratoire.",
    "Question sur une ordonnance : posologie illisible, merci de rappeler.",
    "Demande de passage pour un résident ; rappeler l'infirmière coordinatrice.",
    "Compte rendu envoyé par messagerie sécurisée.",
    "Demande de précision sur une prescription de soins à domicile.",
)
URGENT_TEXTS = (
    "Parent inquiet : fièvre chez le nourrisson depuis hier soir, demande un rappel rapide.",
    "Résultat anormal signalé par le laboratoire : rappeler le biologiste au plus vite.",
)


@contextmanager
def _dated(ws: Workspace, at: datetime):
    store = ws.store
    real = store.clock
    store.clock = FrozenClock(at)
    try:
        yield
    finally:
        store.clock = real


def _working_day_before(day):
    day -= timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def generate_consignes(ws: Workspace, *, practitioner_ids: Sequence[str], now: datetime) -> int:
    """The demo's consignes (those of practitioners the practice has); how many."""
    with ws.store.reader() as s:
        motifs = dict(s.execute(select(AppointmentType.name, AppointmentType.id)).all())
    today = ws.zone.today(now)
    n = 0
    for i, (who, text, important, motif_names, days) in enumerate(CONSIGNES):
        if who is not None and who >= len(practitioner_ids):
            continue
        data = ConsigneInput(
            text, practitioner_ids[who] if who is not None else None,
            "important" if important else "normal",
            valid_from=today - timedelta(days=3) if days else None,
            valid_until=today + timedelta(days=days) if days else None,
            motif_ids=frozenset(motifs[m] for m in motif_names if m in motifs))
        if i == 0:
            with _dated(ws, now - timedelta(days=60)):
                first = ws.consignes.save(ConsigneInput(FIRST_VERSION, data.practitioner_id))
            with _dated(ws, now - timedelta(days=12)):
                ws.consignes.save(data, consigne_id=first.id)
        else:
            with _dated(ws, now - timedelta(days=20 - n)):
                ws.consignes.save(data)
        n += 1
    return n


def generate_messages(ws: Workspace, *, seed: int, practitioner_ids: Sequence[str],
                      patient_ids: Sequence[str], now: datetime, weeks: int = 4,
                      per_day: float = 4.0) -> int:
    """Messages over the last ``weeks`` weeks (working hours, weekdays): the older ones
    treated, those of the last two working days partly read or treated, today's new; a
    few urgent. How many."""
    rng = random.Random(f"permanence-demo/{seed}/messages")
    if not practitioner_ids:
        return 0
    zone = ws.zone
    today = zone.today(now)
    last_working = _working_day_before(today)
    before = _working_day_before(last_working)
    n = 0
    for back in range(weeks * 7, -1, -1):
        day = today - timedelta(days=back)
        if day.weekday() >= 5:
            continue
        for _ in range(int(per_day) + (rng.random() < per_day % 1)):
            at = zone.at(day, rng.choice((8, 9, 10, 11, 14, 15, 16, 17)), rng.randrange(0, 60))
            if at >= now:
                continue
            recipient = rng.choice([*practitioner_ids, None]) if rng.random() < 0.85 \
                else None
            urgent = rng.random() < 0.06
            if patient_ids and rng.random() < 0.65:
                data = MessageInput(rng.choice(URGENT_TEXTS if urgent else PATIENT_TEXTS),
                                    recipient, rng.choice(patient_ids),
                                    priority=MessagePriority.URGENT.value if urgent
                                    else MessagePriority.NORMAL.value)
            else:
                name, phone = rng.choice(CALLERS)
                data = MessageInput(rng.choice(CALLER_TEXTS), recipient, caller_name=name,
                                    caller_phone=phone if phone[0] == "0" else "",
                                    priority=MessagePriority.NORMAL.value)
            with _dated(ws, at):
                message = ws.messages.send(data)
            n += 1
            # Treated: all older ones, half of the day before's; read: the rest of them
            # and a third of the last working day's; new: the others and today's.
            treat = day < before or (day == before and rng.random() < 0.5)
            if treat or day == before or (day == last_working and rng.random() < 0.33):
                read_at = min(now, at + timedelta(minutes=rng.randrange(5, 240)))
                with _dated(ws, read_at):
                    ws.messages.mark_read(message.id)
                if treat:
                    with _dated(ws, min(now, read_at + timedelta(minutes=rng.randrange(5, 600)))):
                        ws.messages.mark_treated(message.id)
    return n
