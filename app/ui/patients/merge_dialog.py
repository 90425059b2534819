"""Merging two patient cards: one choice per differing field, the kept card on the left."""

from __future__ import annotations

from datetime import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, format_date, ngettext, pgettext
from app.models import Civility, ContactChannel, Sex
from app.services.duplicates import (
    KEPT,
    MERGE_FIELDS,
    MERGED,
    DuplicateService,
    MergePreview,
    MergeRefused,
    MergeResult,
)
from app.services.errors import ConcurrentEdit
from app.services.patients import PatientDetails
from app.ui.plain import button_text
from app.ui.widgets import label


def field_labels() -> dict[str, str]:
    return {
        "civility": pgettext("patient", "Title"), "birth_name": _("Birth name"),
        "used_name": _("Used name"), "first_names": _("First names"),
        "birth_date": _("Birth date"), "sex": _("Sex"), "email": _("E-mail"),
        "email_other": _("Other e-mail"), "address": _("Address"),
        "referring_doctor": _("Referring doctor"), "preferred_channel": _("Preferred contact"),
        "call_hours": _("Calls"), "reminder_consent": _("Appointment reminders"),
        "alert": _("Alert"), "admin_note": _("Administrative note"),
    }


def _clock(value: time | None) -> str:
    return f"{value.hour}:{value.minute:02d}" if value else ""


def field_text(details: PatientDetails, field: str) -> str:
    """One field of a card as the secretary reads it; "" when empty."""
    if field == "civility":
        return {Civility.MADAME.value: _("Mrs"), Civility.MONSIEUR.value: _("Mr")}.get(
            details.civility, "")
    if field == "sex":
        return {Sex.FEMALE.value: _("Female"), Sex.MALE.value: _("Male")}.get(details.sex, "")
    if field == "birth_date":
        return format_date(details.birth_date) if details.birth_date else ""
    if field == "address":
        town = " ".join(p for p in (details.postal_code, details.city) if p)
        return ", ".join(p for p in (details.address_line, town) if p)
    if field == "referring_doctor":
        return details.referring_contact_name or details.referring_doctor
    if field == "preferred_channel":
        return {ContactChannel.PHONE.value: _("Phone call"),
                ContactChannel.SMS.value: _("Text message"),
                ContactChannel.EMAIL.value: _("E-mail"),
                ContactChannel.MAIL.value: _("Letter")}.get(details.preferred_channel, "")
    if field == "call_hours":
        start, end = _clock(details.call_not_before), _clock(details.call_not_after)
        if start and end:
            return _("from {start} to {end}").format(start=start, end=end)
        if start:
            return _("not before {start}").format(start=start)
        return _("not after {end}").format(end=end) if end else ""
    if field == "reminder_consent":
        return _("Agrees") if details.reminder_consent else _("Does not agree")
    return str(getattr(details, field) or "")


class MergeDialog(QDialog):
    """Shows both cards; ``result`` holds the MergeResult once the merge is written."""

    def __init__(self, service: DuplicateService, *, kept_id: str, merged_id: str,
                 parent=None) -> None:
        super().__init__(parent)
        self._service = service
        self.setWindowTitle(_("Merge two patient cards"))
        self.setMinimumWidth(720)
        self.resize(860, 600)
        self.result: MergeResult | None = None
        self.preview: MergePreview | None = None
        self.groups: dict[str, QButtonGroup] = {}
        self.radios: dict[str, tuple[QRadioButton, QRadioButton]] = {}

        self.intro = label(_("Choose, for each field that differs, the value to keep. The "
                             "other card is then closed and everything attached to it moves "
                             "to the kept card."), wrap=True)
        self.grid_host = QWidget()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid_host)
        self.summary = label("", "Muted", wrap=True)
        self.error = label("", "Banner", wrap=True)
        self.error.hide()

        self.swap_button = QPushButton(_("Keep the other card instead"))
        self.swap_button.clicked.connect(self.swap)
        self.buttons = QDialogButtonBox()
        self.merge_button = self.buttons.addButton(_("Merge"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.merge_button.setObjectName("Primary")
        self.merge_button.setDefault(True)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.addButton(self.swap_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.accepted.connect(self.merge)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._load(kept_id, merged_id)

    # -- content --------------------------------------------------------------------------
    def _load(self, kept_id: str, merged_id: str) -> None:
        try:
            self.preview = self._service.preview(kept_id=kept_id, merged_id=merged_id)
        except MergeRefused as exc:
            self._show_error(exc.user_message)
            self.merge_button.setEnabled(False)
            self.swap_button.setEnabled(False)
            return
        self._build_grid(self.preview)
        self.summary.setText(self._summary(self.preview))

    def _build_grid(self, preview: MergePreview) -> None:
        old = self.grid_host.layout()
        if old is not None:
            QWidget().setLayout(old)  # reparent the old layout and its widgets, to be freed
        self.groups.clear()
        self.radios.clear()
        grid = QGridLayout(self.grid_host)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        grid.addWidget(label(_("Kept card"), "SectionTitle"), 0, 1)
        grid.addWidget(label(_("Card to merge (closed afterwards)"), "SectionTitle"), 0, 2)
        grid.addWidget(label(preview.kept.display_name, wrap=True), 1, 1)
        grid.addWidget(label(preview.merged.display_name, wrap=True), 1, 2)
        labels = field_labels()
        row = 2
        for field in MERGE_FIELDS:
            if field not in preview.differing:
                continue
            group = QButtonGroup(self)
            kept = QRadioButton(button_text(field_text(preview.kept, field) or _("(empty)")))
            merged = QRadioButton(button_text(field_text(preview.merged, field) or _("(empty)")))
            for button in (kept, merged):
                button.setAccessibleDescription(labels[field])
            group.addButton(kept)
            group.addButton(merged)
            kept.setChecked(True)
            grid.addWidget(label(labels[field]), row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(kept, row, 1)
            grid.addWidget(merged, row, 2)
            self.groups[field] = group
            self.radios[field] = (kept, merged)
            row += 1
        if not preview.differing:
            grid.addWidget(label(_("The two cards hold the same values."), "Muted"), row, 0, 1, 3)
            row += 1
        same = len(MERGE_FIELDS) - len(preview.differing)
        if preview.differing and same:
            grid.addWidget(label(ngettext("{n} other field is the same on both cards.",
                                          "{n} other fields are the same on both cards.",
                                          same).format(n=same), "Muted"), row, 0, 1, 3)
            row += 1
        grid.setRowStretch(row, 1)
        first = next(iter(self.radios.values()), None)
        if first is not None:
            first[0].setFocus()

    def _summary(self, preview: MergePreview) -> str:
        lines = []
        if preview.phones_added:
            lines.append(_("Phone numbers added to the kept card: {numbers}.").format(
                numbers=", ".join(p.display for p in preview.phones_added)))
        else:
            lines.append(_("No phone number to add: the kept card already has them all."))
        others = {k: n for k, n in preview.moves.items() if k != "patient_phone" and n}
        if others:
            total = sum(others.values())
            lines.append(ngettext("{n} other record moves to the kept card.",
                                  "{n} other records move to the kept card.", total)
                         .format(n=total))
        lines.append(_("The merge can be undone from “Possible duplicates” as long as the "
                       "kept card is not changed."))
        return "\n".join(lines)

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))

    # -- actions ------------------------------------------------------------------------------
    def choices(self) -> dict[str, str]:
        return {field: MERGED if merged.isChecked() else KEPT
                for field, (_kept, merged) in self.radios.items()}

    def choose(self, field: str, side: str) -> None:
        kept, merged = self.radios[field]
        (merged if side == MERGED else kept).setChecked(True)

    def swap(self) -> None:
        if self.preview is None:
            return
        self._show_error("")
        self._load(self.preview.merged.id, self.preview.kept.id)

    def merge(self) -> None:
        preview = self.preview
        if preview is None:
            return
        try:
            self.result = self._service.merge(
                kept_id=preview.kept.id, merged_id=preview.merged.id, choices=self.choices(),
                expected_versions=(preview.kept.version, preview.merged.version))
        except ConcurrentEdit as exc:
            # Show the cards as they are now; the user chooses again.
            self._load(preview.kept.id, preview.merged.id)
            self._show_error(exc.user_message)
            return
        except MergeRefused as exc:
            self._show_error(exc.user_message)
            self.merge_button.setEnabled(False)
            return
        self.accept()
