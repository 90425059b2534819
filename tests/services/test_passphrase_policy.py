"""One rule for new passphrases (CNIL 2022-100: length and unpredictability, an estimate
shown while typing): long unrelated words pass; short, repeated, common, sequential or
made of the practice's own name do not."""

from __future__ import annotations

import time
import unicodedata

import pytest

from app import i18n
from app.services.errors import ValidationError
from app.services.passphrase_policy import Level, check_new_passphrase, estimate

PRACTICE = ["Cabinet du Parc", "Claire Morel"]


@pytest.mark.parametrize("good", [
    "Tilleul-ambre-93-grenade-lotus",
    "correct horse battery staple",
    "Le chat dort sur le canapé bleu",
    "velours cactus mardi épine",
])
def test_long_unrelated_words_are_strong(good):
    strength = estimate(good, context=PRACTICE)
    assert strength.acceptable and strength.level is Level.STRONG and not strength.advice
    check_new_passphrase(good, context=PRACTICE)  # does not raise


@pytest.mark.parametrize("weak", [
    "x",
    "aaaaaaaaaa",
    "aaaaaaaaaaaaaaaaaaaaaaaa",
    "azertyuiop",
    "azertyuiopqsdfghjklm",
    "motdepasse123",
    "Motdepasse2024!",
    "Password1234",
    "1234567890123456",
    "Cabinet du ParcCabinet du Parc",
    "Cabinet du Parc Cabinet du Parc",
    "Claire Morel Claire",
    "ÉtéÉtéÉtéÉté",
    "demo",
    "",
])
def test_weak_passphrases_are_refused_with_advice(weak):
    strength = estimate(weak, context=PRACTICE)
    assert not strength.acceptable and strength.level is not Level.STRONG
    assert strength.advice
    with pytest.raises(ValidationError) as info:
        check_new_passphrase(weak, context=PRACTICE)
    assert set(info.value.errors) == {"passphrase"}


def test_the_practice_name_counts_against_a_passphrase():
    """Strong to a stranger, the practice's own name and town are what a targeted
    attacker tries first."""
    text = "Cabinet Morel Parc"
    assert estimate(text, context=PRACTICE).guesses_log10 < estimate(text).guesses_log10


def test_the_refusal_speaks_french_and_says_what_to_change(french_message):
    def refusal() -> str:
        with pytest.raises(ValidationError) as info:
            check_new_passphrase("aaaaaaaaaa")
        return info.value.errors["passphrase"]

    text = french_message(refusal, "phrase de passe")
    assert "faible" in text and "12 caractères" in text


def test_the_levels_have_french_names():
    assert estimate("x").label == "faible"
    assert estimate("correct horse").label == "moyenne"
    assert estimate("Tilleul-ambre-93-grenade-lotus").label == "forte"
    i18n.set_language("en")
    assert estimate("x").label == "weak"


def test_only_a_demo_may_keep_the_demo_passphrase():
    check_new_passphrase("demo", demo=True)
    with pytest.raises(ValidationError) as info:
        check_new_passphrase("demo")
    assert "demo" in info.value.errors["passphrase"]
    with pytest.raises(ValidationError):
        check_new_passphrase("x", demo=True)  # a demo's own passphrase follows the rule


def test_accents_however_typed_give_the_same_estimate():
    composed = "Velours épine cactus mardi"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert estimate(decomposed).guesses_log10 == estimate(composed).guesses_log10


def test_a_very_long_passphrase_is_estimated_quickly():
    started = time.perf_counter()
    strength = estimate("Tilleul-ambre-93-grenade-lotus " * 400)
    assert time.perf_counter() - started < 2
    assert strength.acceptable
