"""Appointments follow a patient through a merge and show on the patient's timeline."""

from __future__ import annotations

from app.services.agenda.views import BookingInput
from tests.agenda_fixtures import MONDAY


def test_appointments_show_on_the_timeline_in_practice_time(agenda):
    a = agenda.service.book(BookingInput(agenda.morel, agenda.at(MONDAY, 9, 0),
                                         patient_id=agenda.patients[0], type_id=agenda.consult))
    events = agenda.ws.timeline.for_patient(agenda.patients[0])
    [booked] = [e for e in events if e.kind == "appointment"]
    assert booked.ref_id == a.appointment.id
    assert "16/03/2026 09:00" in booked.detail and "Consultation" in booked.detail


def test_a_merge_moves_the_appointments_and_undo_puts_them_back(agenda):
    kept, merged = agenda.patients[0], agenda.patients[1]
    a = agenda.service.book(BookingInput(agenda.morel, agenda.at(MONDAY, 9, 0),
                                         patient_id=merged, type_id=agenda.consult)).appointment
    dup = agenda.ws.duplicates
    preview = dup.preview(kept_id=kept, merged_id=merged)
    assert preview.moves.get("appointment") == 1
    result = dup.merge(kept_id=kept, merged_id=merged, choices={},
                       expected_versions=(preview.kept.version, preview.merged.version))
    assert result.moved.get("appointment") == 1
    assert agenda.service.for_patient(kept)[0].id == a.id
    dup.undo_merge(result.merge_id)
    assert agenda.service.for_patient(merged)[0].id == a.id
