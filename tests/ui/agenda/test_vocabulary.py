"""One word for one thing, in French and in English, wherever the agenda shows it."""

from __future__ import annotations

import pytest

from app import i18n
from app.i18n import _, ngettext
from app.services.agenda.labels import cancel_reason_labels, status_labels
from app.ui.agenda.grid_data import STATUSES, status_label, status_legend


@pytest.fixture(params=["fr", "en"])
def language(request):
    i18n.set_language(request.param)
    yield request.param
    i18n.set_language("fr")


def test_the_grid_names_each_status_as_the_rest_of_the_agenda(language):
    assert {s: status_label(s) for s in STATUSES} == status_labels()


def test_a_no_show_is_never_called_an_absence(language):
    no_show = status_labels()["no_show"]
    assert no_show == ("Non venu" if language == "fr" else "No-show")
    assert no_show in cancel_reason_labels()["no_show"]
    assert no_show in status_legend()
    assert "absen" not in (no_show + cancel_reason_labels()["no_show"]).lower()


def test_the_waiting_room_and_the_waiting_list_are_told_apart(language):
    room = ngettext("{n} patient in the waiting room", "{n} patients in the waiting room", 2)
    listed = ngettext("{n} patient on the waiting list", "{n} patients on the waiting list", 2)
    assert room != listed
    if language == "fr":
        assert "salle d'attente" in room and "liste d'attente" in listed
        assert "en attente" not in room + listed


def test_booking_and_moving_anyway_in_french():
    i18n.set_language("fr")
    assert _("Book…") == "Prendre RDV…"
    assert _("Book (Enter)").startswith("Prendre RDV")
    assert _("Move anyway (recorded)").startswith("Déplacer quand même")
    assert _("Type") == "Motif"
    i18n.set_language("en")
    assert _("Type") == "Type"
    i18n.set_language("fr")
