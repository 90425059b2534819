"""The RGPD export of one patient as a readable PDF (``app.services.rgpd`` builds the
dossier; this lays it out with QTextDocument and writes it with QPdfWriter).

Every value comes from the practice's data, typed by people: it is escaped, and
cleaned of control characters, before it reaches the document.
"""

from __future__ import annotations

import os
from html import escape
from pathlib import Path

from app.i18n import _
from app.models.patient import patient_display_name
from app.models.text import one_line
from app.services.agenda.labels import cancel_reason_labels, status_labels
from app.services.audit_trail import action_label
from app.services.messages import priority_labels, state_labels


def _text(value) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    return escape(one_line(str(value)))


def _when(value: str | None) -> str:
    """An ISO local time as dd/mm/yyyy HH:MM."""
    if not value:
        return "—"
    day, _sep, clock = value.partition("T")
    parts = day.split("-")
    shown = "/".join(reversed(parts)) if len(parts) == 3 else day
    return escape(f"{shown} {clock[:5]}".strip())


def _table(headers: list[str], rows: list[list[str]]) -> str:
    if not rows:
        return "<p><i>{}</i></p>".format(escape(_("None.")))
    head = "".join(f"<th align='left'>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>"
                   for row in rows)
    return (f"<table border='1' cellspacing='0' cellpadding='3' width='100%'>"
            f"<tr>{head}</tr>{body}</table>")


def dossier_html(dossier: dict) -> str:
    """The dossier as HTML, in the user's language."""
    p = dossier["patient"]
    name = patient_display_name(p["birth_name"], p["used_name"], p["first_names"],
                                p.get("sex", ""), p.get("civility", ""))
    statuses, reasons = status_labels(), cancel_reason_labels()
    priorities, states = priority_labels(), state_labels()
    card_rows = [
        (_("Birth name"), p["birth_name"]), (_("Name in use"), p["used_name"]),
        (_("First names"), p["first_names"]), (_("Date of birth"), "/".join(reversed(p["birth_date"].split("-")))
                                        if p["birth_date"] else None),
        (_("Sex"), p["sex"]), (_("Email"), p["email"]), (_("Other email"), p["email_other"]),
        (_("Address"), p["address_line"]), (_("Postcode"), p["postal_code"]),
        (_("City"), p["city"]), (_("Referring doctor"), p["referring_doctor"]),
        (_("Alert"), p["alert"]), (_("Administrative note"), p["admin_note"]),
        (_("Reminders accepted"), p["reminder_consent"]),
        (_("Phones"), ", ".join(ph["number"] for ph in p["phones"])),
    ]
    card = "".join(f"<tr><td><b>{escape(label)}</b></td><td>{_text(value)}</td></tr>"
                   for label, value in card_rows)
    card += "".join(f"<tr><td><b>{escape(label)}</b></td><td>{_when(value)}</td></tr>"
                    for label, value in ((_("Card created"), p["created_at"]),
                                         (_("Last changed"), p["updated_at"])))
    heading = "<h3>{}</h3>".format
    parts = [
        "<h2>{}</h2>".format(escape(_("Data held about a patient"))),
        "<p>{}: {}<br>{}: <b>{}</b><br>{}: {}</p>".format(
            escape(_("Practice")), _text(dossier["practice"]), escape(_("Patient")),
            _text(name), escape(_("Exported on")), _when(dossier["exported_at"])),
        heading(escape(_("Patient card"))),
        f"<table border='1' cellspacing='0' cellpadding='3' width='100%'>{card}</table>",
        heading(escape(_("Appointments"))),
        _table([_("Date"), _("Practitioner"), _("Motif"), _("Status"), _("Note")],
               [[_when(a["starts_at"]), _text(a["practitioner"]), _text(a["type"]),
                 _text(reasons.get(a["cancel_reason"]) or statuses.get(a["status"], a["status"])),
                 _text(" ".join(x for x in (a["note"], a["cancel_note"]) if x))]
                for a in dossier["appointments"]]),
        heading(escape(_("Waiting list"))),
        _table([_("From"), _("Until"), _("Motif"), _("Note")],
               [[_text(w["from"]), _text(w["until"]), _text(w["type"]), _text(w["note"])]
                for w in dossier["waiting_list"]]),
        heading(escape(_("Calls"))),
        _table([_("Date"), _("Number"), _("Answered"), _("Note")],
               [[_when(c["started_at"]), _text(c["number"]), _text(c["answered_at"] is not None),
                 _text(c["note"])] for c in dossier["calls"]]),
        heading(escape(_("Callbacks"))),
        _table([_("Due"), _("Number"), _("Reason"), _("Done")],
               [[_when(c["due_at"]), _text(c["number"]), _text(c["reason"]),
                 _when(c["done_at"])] for c in dossier["callbacks"]]),
        heading(escape(_("Messages"))),
        _table([_("Date"), _("For"), _("Priority"), _("State"), _("Message")],
               [[_when(m["created_at"]), _text(m["recipient"]),
                 _text(priorities.get(m["priority"], m["priority"])),
                 _text(states.get(m["state"], m["state"])), _text(m["body"])]
                for m in dossier["messages"]]),
        heading(escape(_("Who opened or changed the card"))),
        _table([_("Date"), _("Person"), _("Action")],
               [[_when(e["at"]), _text(e["person"]), _text(action_label(e["action"]))]
                for e in dossier["access"]]),
    ]
    return "".join(parts)


def render_dossier_pdf(dossier: dict, path: Path) -> None:
    """Write the dossier to ``path`` as an A4 PDF (the caller places it and audits)."""
    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import (QFont, QGuiApplication, QPageLayout, QPageSize, QPdfWriter,
                               QTextDocument)

    app = QGuiApplication.instance()
    if app is None:  # the command line: drawing needs no display
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication([])
    writer = QPdfWriter(str(path))
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait,
                                     QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter))
    writer.setCreator("Permanence")
    writer.setTitle(_("Data held about a patient"))  # the metadata names nobody
    doc = QTextDocument()
    doc.setDefaultFont(QFont("DejaVu Sans", 9))
    doc.setHtml(dossier_html(dossier))
    doc.print_(writer)
    del writer  # closes the file
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())
