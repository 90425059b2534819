"""The words of the call log, in French as the secretariat says them, and in English."""

from __future__ import annotations

from app import i18n
from app.models.calls import AttemptOutcome, CallOutcome, CallReason
from app.services.calls import labels


def test_french_reasons_outcomes_and_attempts():
    i18n.set_language("fr")
    assert [label for _c, label in labels.reasons()] == [
        "Rendez-vous", "Annulation / report", "Résultats", "Ordonnance", "Renseignement",
        "Administratif", "Professionnel de santé", "Urgence", "Autre"]
    assert [label for _c, label in labels.outcomes()] == [
        "Rendez-vous pris", "Message laissé", "Rappel prévu", "Transféré", "Renseignement donné",
        "Orienté vers le 15", "Sans suite"]
    assert [label for _c, label in labels.attempt_outcomes()] == [
        "Pas de réponse", "Message laissé", "Joint"]
    assert [label for _c, label in labels.callback_states()] == [
        "À rappeler", "En retard", "Rappelé"]


def test_every_stored_code_has_a_label_in_both_languages():
    for language in ("fr", "en"):
        i18n.set_language(language)
        assert {c for c, _l in labels.reasons()} == {r.value for r in CallReason} - {""}
        assert {c for c, _l in labels.outcomes()} == {o.value for o in CallOutcome} - {""}
        assert {c for c, _l in labels.attempt_outcomes()} == {a.value for a in AttemptOutcome}
    i18n.set_language("en")
    assert labels.label(labels.outcomes(), "sent_to_15") == "Referred to the 15"
    assert set(labels.FRENCH["reason"]) == {r.value for r in CallReason} - {""}
    assert set(labels.FRENCH["outcome"]) == {o.value for o in CallOutcome} - {""}
