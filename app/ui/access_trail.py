"""The audit trail on screen: "Qui a consulté cette fiche ?" for one patient's card, and
the owner's page in Réglages listing the whole trail with filters, its export and how
long it is kept. Everything shown comes from ``AuditTrailService``; names of people and
patients are looked up when shown (the trail holds ids only)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHeaderView,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, format_number, ngettext
from app.services.agenda.zone import PracticeTime
from app.services.audit_trail import (
    MAX_ROWS,
    AuditTrailService,
    TrailFilter,
    TrailRow,
    action_label,
    describe,
    entity_label,
)
from app.services.patients import PatientService
from app.storage import trail_retention
from app.ui.exporting import ask_save_path
from app.ui.failures import failure_text, show_failure
from app.ui.plain import message_box, tooltip
from app.ui.table_model import RowTableModel
from app.ui.tasks import run_in_background
from app.ui.widgets import label, result_table


class TrailModel(RowTableModel):
    """Entries of the trail: when (practice time), who, on which workstation, what,
    which record, detail."""

    def __init__(self, zone: PracticeTime, *, with_record: bool, parent=None) -> None:
        headers = [_("When"), _("Who"), _("Workstation"), _("Action")]
        if with_record:
            headers += [_("Record"), _("Detail")]
        super().__init__(headers, parent)
        self._zone = zone
        self._names: dict[str, str] = {}

    def set_entries(self, rows: list[TrailRow], names: dict[str, str] | None = None) -> None:
        self._names = names or {}
        self.set_rows(rows)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        row: TrailRow | None = self.row_at(index.row())
        if row is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.ToolTipRole and column == 2 and row.workstation:
            # The full node id, which tells apart two computers of the same name.
            return tooltip(_("Workstation {name} (node {node})").format(
                name=row.workstation_name or "-", node=row.workstation))
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == 0:
            return self._zone.local(row.at).strftime("%d/%m/%Y %H:%M:%S")
        if column == 1:
            return row.person
        if column == 2:
            return row.station
        if column == 3:
            return action_label(row.action)
        if column == 4:
            if row.entity == "patient" and row.entity_id:
                return self._names.get(row.entity_id, _("patient card {id}").format(
                    id=row.entity_id[:8]))
            return entity_label(row.entity)
        return row.detail


class AccessDialog(QDialog):
    """Who opened, changed, printed or exported this patient's card, and when."""

    def __init__(self, trail: AuditTrailService, zone: PracticeTime, patient_id: str,
                 parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Who viewed this card?"))
        self.model = TrailModel(zone, with_record=False, parent=self)
        self.table = result_table(self.model)
        _fit_columns(self.table, stretch=1)
        self.model.set_entries(trail.who_viewed(patient_id))
        self.caption = label(ngettext("{n} access recorded.", "{n} accesses recorded.",
                                      self.model.rowCount()).format(
                                          n=format_number(self.model.rowCount())), "Muted")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label(_("Who viewed this card?"), "SectionTitle"))
        layout.addWidget(self.caption)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(560, 420)


class AccessTrailPage(QWidget):
    """Réglages › Access trail (the owner's): the trail filtered by person, patient,
    action and period; exported to CSV; how long it is kept."""

    def __init__(self, trail: AuditTrailService, patients: PatientService,
                 zone: PracticeTime, today: date, parent=None, *,
                 choose_path=ask_save_path) -> None:
        super().__init__(parent)
        self._trail = trail
        self._patients = patients
        self._choose_path = choose_path
        self._task = None

        self.person = QComboBox()
        self.person.addItem(_("Everyone"), None)
        for user_id, name in trail.people():
            self.person.addItem(name, user_id)
        self.action = QComboBox()
        self.action.addItem(_("Every action"), None)
        for action in trail.actions():
            self.action.addItem(action_label(action), action)
        self.patient_query = QLineEdit()
        self.patient_query.setPlaceholderText(_("Patient name, then Enter"))
        self.patient_query.setMinimumWidth(220)
        self.patient_query.returnPressed.connect(self._find_patients)
        self.patient = QComboBox()
        self.patient.addItem(_("Every patient"), None)
        self.first = QDateEdit(_qdate(today - timedelta(days=30)))
        self.last = QDateEdit(_qdate(today))
        for edit in (self.first, self.last):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd/MM/yyyy")
        self.show_button = QPushButton(_("Show"))
        self.show_button.setObjectName("Primary")
        self.show_button.clicked.connect(self.refresh)
        self.export_button = QPushButton(_("Export (CSV)…"))
        self.export_button.clicked.connect(self.export)
        self.verify_button = QPushButton(_("Verify the trail"))
        self.verify_button.clicked.connect(self.verify)
        self.verify_result = label("", "Hint", wrap=True)

        self.retention = QSpinBox()
        self.retention.setRange(trail_retention.MIN_DAYS, trail_retention.MAX_DAYS)
        self.retention.setSuffix(" " + _("days"))
        self.retention.setValue(trail.retention_days())
        self.retention_button = QPushButton(_("Apply"))
        self.retention_button.clicked.connect(self.save_retention)

        self.model = TrailModel(zone, with_record=True, parent=self)
        self.table = result_table(self.model)
        _fit_columns(self.table, stretch=4)
        self.caption = label("", "Muted")

        filters = QFormLayout()
        filters.addRow(_("Person"), self.person)
        patient_row = QHBoxLayout()
        patient_row.addWidget(self.patient_query)
        patient_row.addWidget(self.patient, 1)
        filters.addRow(_("Patient"), patient_row)
        filters.addRow(_("Action"), self.action)
        period = QHBoxLayout()
        period.addWidget(self.first)
        period.addWidget(label("→"))
        period.addWidget(self.last)
        period.addStretch()
        filters.addRow(_("Period"), period)
        buttons = QHBoxLayout()
        buttons.addWidget(self.show_button)
        buttons.addWidget(self.export_button)
        buttons.addStretch()
        buttons.addWidget(self.verify_button)
        keep = QHBoxLayout()
        keep.addWidget(label(_("Keep the access trail for")))
        keep.addWidget(self.retention)
        keep.addWidget(self.retention_button)
        keep.addStretch()

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addLayout(buttons)
        layout.addWidget(self.verify_result)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, 1)
        layout.addLayout(keep)
        layout.addWidget(label(_("Older entries are summarised (counts per action and month) "
                                 "into a signed checkpoint; the CNIL recommends six months "
                                 "to a year for access logs."), "Hint", wrap=True))
        self.refresh()

    def current_filter(self) -> TrailFilter:
        return TrailFilter(person=self.person.currentData(), patient=self.patient.currentData(),
                           action=self.action.currentData(), first=_pydate(self.first.date()),
                           last=_pydate(self.last.date()))

    def refresh(self) -> None:
        rows = self._trail.entries(self.current_filter())
        self.model.set_entries(rows, self._trail.record_names(rows))
        shown = len(rows)
        text = ngettext("{n} entry.", "{n} entries.", shown).format(n=format_number(shown))
        if shown >= MAX_ROWS:
            text += " " + _("Only the latest {n} are shown; the export has them all.").format(
                n=format_number(MAX_ROWS))
        self.caption.setText(text)

    def _find_patients(self) -> None:
        self.patient.clear()
        self.patient.addItem(_("Every patient"), None)
        query = self.patient_query.text().strip()
        if not query:
            return
        for p in self._patients.search(query, limit=50):
            self.patient.addItem(p.display_name, p.id)
        if self.patient.count() > 1:
            self.patient.setCurrentIndex(1)

    def export(self) -> Path | None:
        path = self._choose_path(self, _("Export the access trail"), "journal-acces.csv",
                                 _("CSV files (*.csv)"))
        if path is None:
            return None
        try:
            # The save dialog already asked before replacing a file.
            rows = self._trail.export_csv(path, self.current_filter(), overwrite=True)
        except Exception as exc:  # noqa: BLE001 - said to the user, logged if a bug
            show_failure(self, exc, fallback=_("The trail could not be exported."))
            return None
        box = message_box(QMessageBox.Icon.Information, _("Export"), ngettext(
            "{n} entry exported to {path}.", "{n} entries exported to {path}.", rows).format(
                n=format_number(rows), path=path), self)
        box.open()
        self.refresh()
        return path

    def verify(self) -> None:
        """Off the UI thread: a long trail and its checkpoints take a while to walk."""
        self.verify_button.setEnabled(False)
        self.verify_result.setText(_("Checking…"))
        self._task = run_in_background(self._trail.verify, self._verified, self._not_verified)

    def _verified(self, report) -> None:
        self.verify_button.setEnabled(True)
        word = _("Audit trail intact: {detail}.") if report.ok else _(
            "Audit trail damaged: {detail}.")
        self.verify_result.setText(word.format(detail=describe(report)))

    def _not_verified(self, exc: Exception) -> None:
        self.verify_button.setEnabled(True)
        self.verify_result.setText(failure_text(exc))

    def save_retention(self) -> None:
        try:
            self._trail.set_retention_days(self.retention.value())
            self._trail.apply_retention()
        except Exception as exc:  # noqa: BLE001
            show_failure(self, exc)
            return
        self.refresh()


def _fit_columns(table, *, stretch: int) -> None:
    """Dates, people and actions as wide as they are; the given column takes the rest."""
    header = table.horizontalHeader()
    for column in range(table.model().columnCount()):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch if column == stretch
                                    else QHeaderView.ResizeMode.ResizeToContents)


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())
