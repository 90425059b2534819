"""Entity kinds: the one name of each replicated table.

The change journal, the audit trail, the change sets the store announces, the history
views and sync all name rows with these words (each model's ``__sync_entity__``). They
are stored in the journal and the audit trail, so a kind is never renamed.
"""

from __future__ import annotations

PRACTICE = "practice"
PRACTITIONER = "practitioner"
USER = "user"

PATIENT = "patient"
PATIENT_PHONE = "patient_phone"
PATIENT_MERGE = "patient_merge"
DUPLICATE_DISMISSAL = "duplicate_dismissal"

CONTACT = "contact"

APPOINTMENT_TYPE = "appointment_type"
OPENING_HOURS = "opening_hours"
ABSENCE = "absence"
HOLIDAY_OPENING = "holiday_opening"
APPOINTMENT_SERIES = "appointment_series"
APPOINTMENT = "appointment"
WAITING_LIST_ENTRY = "waiting_list_entry"
FREED_SLOT = "freed_slot"
SLOT_OFFER = "slot_offer"

CALL = "call"
CALLBACK = "callback"
CALLBACK_ATTEMPT = "callback_attempt"
MESSAGE = "message"
CONSIGNE = "consigne"
CONSIGNE_VERSION = "consigne_version"
CONSIGNE_ACK = "consigne_ack"
CALL_STEP = "call_step"
CALL_SETTINGS = "call_settings"

ALL = frozenset({
    PRACTICE, PRACTITIONER, USER, PATIENT, PATIENT_PHONE, PATIENT_MERGE, DUPLICATE_DISMISSAL,
    CONTACT, APPOINTMENT_TYPE, OPENING_HOURS, ABSENCE, HOLIDAY_OPENING, APPOINTMENT_SERIES,
    APPOINTMENT, WAITING_LIST_ENTRY, FREED_SLOT, SLOT_OFFER, CALL, CALLBACK, CALLBACK_ATTEMPT,
    MESSAGE, CONSIGNE, CONSIGNE_VERSION, CONSIGNE_ACK, CALL_STEP, CALL_SETTINGS,
})

# What the agenda's settings are made of: a change to any of them redraws an agenda.
AGENDA_SETTINGS = frozenset({PRACTICE, PRACTITIONER, APPOINTMENT_TYPE, OPENING_HOURS, ABSENCE,
                             HOLIDAY_OPENING})
