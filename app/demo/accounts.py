"""The demo practice's accounts: one per role, with documented secrets (README, demo).

The owner signs in with the demo passphrase (``demo``, empty account name); each other
account with its own passphrase below, which passes the passphrase rule as any other.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.models.user import (
    ROLE_PRACTITIONER, ROLE_REMOTE_SECRETARY, ROLE_SECRETARY, ROLE_TELEPHONY,
)


@dataclass(frozen=True)
class DemoAccount:
    name: str
    role: str
    passphrase: str
    display_name: str
    practitioner: int | None = None  # index in sizes.PRACTITIONERS


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("dr-morel", ROLE_PRACTITIONER, "consultations du lundi matin",
                "Dr Claire Morel", practitioner=0),
    DemoAccount("secretaire", ROLE_SECRETARY, "accueil du cabinet des tilleuls",
                "Secrétariat"),
    DemoAccount("distante", ROLE_REMOTE_SECRETARY, "teletravail depuis quimper",
                "Secrétariat à distance"),
    DemoAccount("standard", ROLE_TELEPHONY, "standard telephonique du cabinet",
                "Standard téléphonique"),
)
