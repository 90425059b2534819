"""Printing a practitioner's day or week, on paper or as a PDF.

A4, portrait for a day, landscape for a week, readable in black and white: the painted
grid (``paint_grid``) under a title (practice, practitioner, period), then for a day a
list of the appointments (time, patient, motif, the patient's phone when asked for, the
note). Every sheet is audited as a read of patient data (``DayQueries.record_print``).

A PDF is written under a hidden random name beside its destination (owner-only, as the
exports are: ``TempFile``), then renamed into place inside the audit transaction; a
failure leaves neither the file nor a stray temporary one.

The print dialog and the file dialog are dependencies (``ask_printer``,
``choose_path``) so tests can give a printer and a path without either.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QDate, QMarginsF, QObject, QRect, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QFont,
    QFontMetrics,
    QKeySequence,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
)
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QMessageBox,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, format_date
from app.services import access
from app.services.agenda.day_queries import DayEntry, DayQueries
from app.services.agenda.service import status_labels
from app.services.exporting.files import (
    ExportError,
    TempFile,
    cannot_write,
    check_file_destination,
)
from app.ui.agenda.adapter import (
    column_for,
    grid_bands,
    grid_items,
    has_sunday,
    visible_range,
    week_of,
)
from app.ui.agenda.grid_data import GridColumn, GridData
from app.ui.agenda.grid_paint import paint_grid
from app.ui.agenda.page import day_caption, week_caption
from app.ui.exporting import ChoosePath, ask_save_path
from app.ui.plain import message_box

log = logging.getLogger("permanence.ui.printing")

MARGIN_MM = 10.0
_DPI = 96  # the logical resolution everything is laid out in

# (parent, printer) -> True to print: the system's print dialog by default.
AskPrinter = Callable[[QWidget, QPrinter], bool]


def ask_printer(parent: QWidget, printer: QPrinter) -> bool:
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(_("Print"))
    return dialog.exec() == QDialog.DialogCode.Accepted


@dataclass(frozen=True)
class PrintRequest:
    practitioner_id: str
    first: date
    last: date  # the same day for a day sheet, the Sunday for a week
    list_page: bool = True  # a day: the list of appointments after the grid
    phones: bool = False

    @property
    def is_week(self) -> bool:
        return self.last != self.first

    @classmethod
    def day(cls, practitioner_id: str, day: date, **kw) -> PrintRequest:
        return cls(practitioner_id, day, day, **kw)

    @classmethod
    def week(cls, practitioner_id: str, day: date, **kw) -> PrintRequest:
        days = week_of(day)
        return cls(practitioner_id, days[0], days[-1], **kw)


@dataclass(frozen=True)
class Sheet:
    """What is printed, read before the painting starts."""
    request: PrintRequest
    title: str
    grid: GridData
    start_min: int
    end_min: int
    rows: tuple[ListRow, ...]  # the list page (a day only)
    printed_at: datetime  # practice time


@dataclass(frozen=True)
class ListRow:
    """One line of the list page, as printed."""
    time: str
    patient: str
    alert: str
    motif: str
    phone: str
    note: str

    def cell(self, key: str) -> str:
        return getattr(self, key)


def list_row(entry: DayEntry, zone, labels: dict[str, str]) -> ListRow:
    motif = entry.type_name
    if entry.status not in ("booked", "confirmed"):
        state = labels.get(entry.status, entry.status)
        motif = f"{motif}\n({state})" if motif else f"({state})"
    return ListRow(zone.local(entry.starts_at).strftime("%H:%M"),
                   entry.patient_name or _("(no patient)"), entry.patient_alert, motif,
                   entry.phone, entry.note)


def period_text(first: date, last: date) -> str:
    """"lundi 16 mars 2026", "semaine du 16 au 22 mars 2026": as the agenda page says it."""
    return day_caption(first) if first == last else week_caption(first)


def build_sheet(ws, queries: DayQueries, request: PrintRequest) -> Sheet:
    """Read what the sheet shows: the grid's appointments and schedule, and for a day
    the list with phones when asked for."""
    agenda = ws.agenda
    zone = ws.zone
    pid = request.practitioner_id
    practitioners = {p.id: p for p in ws.practitioners()}
    names = agenda.practitioner_names()
    info = practitioners.get(pid)
    column = column_for(info) if info else GridColumn(pid, names.get(pid, ""))
    appointments, schedule = agenda.window([pid], request.first, request.last)
    if request.is_week:
        days = [d for d in week_of(request.first)
                if d.weekday() < 5 or has_sunday(schedule, [pid], d, appointments, zone)]
    else:
        days = [request.first]
    type_names = {t.id: t.name for t in agenda.types(include_inactive=True)}
    items = grid_items(appointments, zone, columns={pid}, days=set(days),
                       today=queries.today(), editable=False,
                       first_visits=agenda.first_visits(appointments))
    bands = grid_bands(schedule, zone, [pid], days, names=names, type_names=type_names)
    start_min, end_min = visible_range(schedule, [pid], week_of(request.first), items)
    rows: tuple[ListRow, ...] = ()
    if not request.is_week and request.list_page:
        labels = status_labels()
        rows = tuple(list_row(e, zone, labels)
                     for e in queries.day([pid], request.first, phones=request.phones))
    title = " — ".join(p for p in (ws.practice.name, column.title,
                                   period_text(request.first, request.last)) if p)
    return Sheet(request, title, GridData(tuple(days), (column,), tuple(items), tuple(bands)),
                 start_min, end_min, rows, zone.local(queries.now()))


def page_layout(request: PrintRequest) -> QPageLayout:
    orientation = (QPageLayout.Orientation.Landscape if request.is_week
                   else QPageLayout.Orientation.Portrait)
    return QPageLayout(QPageSize(QPageSize.PageSizeId.A4), orientation,
                       QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
                       QPageLayout.Unit.Millimeter)


# -- painting -------------------------------------------------------------------------
class _Fonts:
    def __init__(self) -> None:
        def font(px: int, weight=QFont.Weight.Normal, italic: bool = False) -> QFont:
            f = QFont()
            f.setPixelSize(px)
            f.setWeight(weight)
            f.setItalic(italic)
            return f

        self.title = font(15, QFont.Weight.DemiBold)
        self.head = font(12, QFont.Weight.Bold)
        self.body = font(12)
        self.strong = font(12, QFont.Weight.DemiBold)
        self.small = font(10)
        self.alert = font(11, QFont.Weight.DemiBold, italic=True)


@dataclass(frozen=True)
class _Col:
    key: str
    title: str
    width: int


def _columns(width: int, phones: bool) -> list[_Col]:
    time_w, phone_w = 56, 118 if phones else 0
    rest = width - time_w - phone_w
    cols = [_Col("time", _("Time"), time_w), _Col("patient", _("Patient"), int(rest * 0.36)),
            _Col("motif", _("Type"), int(rest * 0.24))]
    if phones:
        cols.append(_Col("phone", _("Phone"), phone_w))
    used = sum(c.width for c in cols)
    cols.append(_Col("note", _("Note"), width - used))
    return cols


class _Painter:
    """Lays out and paints the pages of one sheet on one paged device."""

    def __init__(self, device, sheet: Sheet) -> None:
        self.device = device
        self.sheet = sheet
        self.fonts = _Fonts()
        self.scale = max(0.01, device.logicalDpiY() / _DPI)
        rect = device.pageLayout().paintRectPixels(device.resolution())
        self.width = int(rect.width() / self.scale)
        self.height = int(rect.height() / self.scale)
        self.line = QFontMetrics(self.fonts.body).height()
        self.footer_h = QFontMetrics(self.fonts.small).height() + 6

    def _text_height(self, font: QFont, text: str, width: int) -> int:
        if not text:
            return 0
        return QFontMetrics(font).boundingRect(QRect(0, 0, max(1, width), 10_000),
                                               int(Qt.TextFlag.TextWordWrap), text).height()

    def list_pages(self, rows: tuple[ListRow, ...]) -> list[list[int]]:
        """Row indexes per page, each row whole on one page."""
        cols = _columns(self.width, self.sheet.request.phones)
        top = self._list_top()
        bottom = self.height - self.footer_h
        pages: list[list[int]] = [[]]
        y = top
        self.heights = []
        for i, row in enumerate(rows):
            h = max(self._text_height(self.fonts.strong if c.key in ("time", "patient")
                                      else self.fonts.body, row.cell(c.key), c.width - 8)
                    for c in cols)
            if row.alert:
                h = max(h, self._text_height(self.fonts.strong, row.patient, cols[1].width - 8)
                        + self._text_height(self.fonts.alert, "⚠ " + row.alert,
                                            cols[1].width - 8))
            h = max(h, self.line) + 8
            self.heights.append(h)
            if y + h > bottom and pages[-1]:
                pages.append([])
                y = top
            pages[-1].append(i)
            y += h
        return pages

    def _list_top(self) -> int:
        return QFontMetrics(self.fonts.title).height() + 10 + self.line + 10

    def paint(self, painter: QPainter) -> int:
        sheet = self.sheet
        pages = self.list_pages(sheet.rows) if sheet.rows else []
        if not sheet.rows and sheet.request.list_page and not sheet.request.is_week:
            pages = [[]]  # an empty day still says so on its list page
        total = 1 + len(pages)
        # paint_grid scales by itself: it is given device pixels, the footer left out.
        paint_grid(painter, QRect(0, 0, int(self.width * self.scale),
                                  int((self.height - self.footer_h) * self.scale)),
                   sheet.grid, start_min=sheet.start_min, end_min=sheet.end_min,
                   title=sheet.title, now=None, legend=True)
        self._footer(painter, 1, total)
        for n, indexes in enumerate(pages, start=2):
            if not self.device.newPage():
                raise OSError("newPage failed")
            self._list_page(painter, sheet.rows, indexes)
            self._footer(painter, n, total)
        return total

    def _list_page(self, painter: QPainter, rows: tuple[ListRow, ...],
                   indexes: list[int]) -> None:
        painter.save()
        painter.scale(self.scale, self.scale)
        f = self.fonts
        cols = _columns(self.width, self.sheet.request.phones)
        painter.setPen(Qt.GlobalColor.black)
        painter.setFont(f.title)
        tm = QFontMetrics(f.title)
        painter.drawText(QRect(0, 0, self.width, tm.height() + 4),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         tm.elidedText(self.sheet.title, Qt.TextElideMode.ElideRight,
                                       self.width))
        y = tm.height() + 10
        painter.setFont(f.head)
        x = 0
        for c in cols:
            painter.drawText(QRect(x + 4, y, c.width - 8, self.line + 6),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                             c.title)
            x += c.width
        y += self.line + 6
        painter.setPen(QPen(Qt.GlobalColor.black, 1.5))
        painter.drawLine(0, y, self.width, y)
        y += 4
        if not indexes:
            painter.setFont(f.body)
            painter.drawText(QRect(4, y + 4, self.width - 8, self.line * 2),
                             int(Qt.TextFlag.TextWordWrap), _("No appointment this day."))
        wrap = int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignTop)
        thin = QPen(Qt.GlobalColor.gray, 0.6)
        for i in indexes:
            row, h = rows[i], self.heights[i]
            x = 0
            for c in cols:
                text = row.cell(c.key)
                painter.setPen(Qt.GlobalColor.black)
                area = QRect(x + 4, y + 4, c.width - 8, h - 8)
                if c.key == "patient":
                    painter.setFont(f.strong)
                    used = painter.boundingRect(area, wrap, text).height()
                    painter.drawText(area, wrap, text)
                    if row.alert:
                        painter.setFont(f.alert)
                        painter.drawText(area.adjusted(0, used, 0, 0), wrap, "⚠ " + row.alert)
                else:
                    painter.setFont(f.strong if c.key == "time" else f.body)
                    painter.drawText(area, wrap, text)
                x += c.width
            y += h
            painter.setPen(thin)
            painter.drawLine(0, y, self.width, y)
        painter.restore()

    def _footer(self, painter: QPainter, page: int, total: int) -> None:
        painter.save()
        painter.scale(self.scale, self.scale)
        painter.setFont(self.fonts.small)
        painter.setPen(Qt.GlobalColor.black)
        at = self.sheet.printed_at
        left = _("Confidential: patient data · printed on {date} at {time}").format(
            date=format_date(at.date()), time=f"{at:%H:%M}")
        right = _("page {page} of {pages}").format(page=page, pages=total)
        rect = QRect(0, self.height - self.footer_h + 4, self.width, self.footer_h - 4)
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         left)
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                         right)
        painter.restore()


def render(device, sheet: Sheet) -> int:
    """Paint ``sheet`` on a QPrinter or QPdfWriter whose page layout is set; the number
    of pages. Raises OSError if the device cannot be painted on."""
    painter = QPainter()
    if not painter.begin(device):
        raise OSError("cannot paint on the device")
    try:
        return _Painter(device, sheet).paint(painter)
    finally:
        painter.end()


def write_pdf(ws, queries: DayQueries, request: PrintRequest, path: Path | str, *,
              overwrite: bool = False) -> int:
    """The sheet as a PDF at ``path``, whole or not at all, owner-only, audited; the
    number of pages. Raises ExportError when the destination cannot be written (an
    existing file unless ``overwrite``, a link, the profile folder…)."""
    ws.require(access.PRINT)  # before anything is drawn or written
    path = Path(path)
    check_file_destination(path, protected=ws.paths.root, overwrite=overwrite)
    sheet = build_sheet(ws, queries, request)
    temp = TempFile(path, overwrite=overwrite)
    try:
        writer = QPdfWriter(str(temp.path))
        writer.setPageLayout(page_layout(request))
        writer.setCreator("Permanence")
        writer.setTitle(_("Agenda"))  # the file's metadata names nobody
        try:
            pages = render(writer, sheet)
        except OSError as exc:
            raise cannot_write(path.parent, exc) from exc
        del writer  # closes the file
        if temp.path.stat().st_size == 0:
            raise cannot_write(path.parent, OSError("empty PDF"))
        with open(temp.path, "rb") as fh:
            os.fsync(fh.fileno())
        queries.record_print(request.practitioner_id, request.first, request.last,
                             output="pdf", phones=request.phones and request.list_page,
                             place=temp.place, withdraw=temp.withdraw)
    except BaseException:
        temp.discard()
        raise
    return pages


def print_sheet(ws, queries: DayQueries, request: PrintRequest, printer: QPrinter) -> int:
    """The sheet on ``printer`` (its layout already chosen), audited; the page count."""
    ws.require(access.PRINT)
    sheet = build_sheet(ws, queries, request)
    pages = render(printer, sheet)
    queries.record_print(request.practitioner_id, request.first, request.last,
                         output="printer", phones=request.phones and request.list_page)
    return pages


def suggested_name(request: PrintRequest) -> str:
    """A file name that says which days and nothing about anyone."""
    if request.is_week:
        return f"agenda-{request.first.isoformat()}-{request.last.isoformat()}.pdf"
    return f"agenda-{request.first.isoformat()}.pdf"


# -- the options dialog ---------------------------------------------------------------
def qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class PrintOptionsDialog(QDialog):
    """Which practitioner, a day or its week, the list page, the phone numbers."""

    def __init__(self, practitioners: list[tuple[str, str]], parent=None, *, pdf: bool,
                 practitioner_id: str | None = None, day: date, week: bool = False,
                 phones: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Save the agenda as a PDF") if pdf else _("Print the agenda"))
        self.practitioner = QComboBox()
        for pid, name in practitioners:
            self.practitioner.addItem(name, pid)
        if practitioner_id is not None:
            self.practitioner.setCurrentIndex(max(0, self.practitioner.findData(practitioner_id)))
        self.day_button = QRadioButton(_("The day"))
        self.week_button = QRadioButton(_("The week"))
        self.period = QButtonGroup(self)
        self.period.addButton(self.day_button)
        self.period.addButton(self.week_button)
        (self.week_button if week else self.day_button).setChecked(True)
        self.date = QDateEdit(qdate(day))
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("dd/MM/yyyy")
        self.list_page = QCheckBox(_("Add the list of the day's appointments"))
        self.list_page.setChecked(True)
        self.phones = QCheckBox(_("Patients' phone numbers on the list"))
        self.phones.setChecked(phones)
        self.phones.setToolTip(_("Leave out the numbers for a sheet posted where others "
                                 "can read it"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(_("Save as PDF…") if pdf else _("Print…"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.day_button.toggled.connect(self._sync)
        self.list_page.toggled.connect(self._sync)

        period = QHBoxLayout()
        period.addWidget(self.day_button)
        period.addWidget(self.week_button)
        period.addStretch()
        form = QFormLayout()
        form.addRow(_("Practitioner"), self.practitioner)
        form.addRow(_("Period"), period)
        form.addRow(_("Date"), self.date)
        form.addRow("", self.list_page)
        form.addRow("", self.phones)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self._sync()

    def _sync(self, *args) -> None:
        day = self.day_button.isChecked()
        self.list_page.setEnabled(day)
        self.phones.setEnabled(day and self.list_page.isChecked())

    def request(self) -> PrintRequest:
        pid = self.practitioner.currentData()
        day = pydate(self.date.date())
        if self.week_button.isChecked():
            return PrintRequest.week(pid, day, list_page=False, phones=False)
        return PrintRequest.day(pid, day, list_page=self.list_page.isChecked(),
                                phones=self.list_page.isChecked() and self.phones.isChecked())


class PrintActions(QObject):
    """"Print…" (Ctrl+P) and "PDF…": ask the options, then the printer or the file.

    ``defaults()`` -> (practitioner id or None, day) for the dialog's first values.
    """

    finished = Signal(str)  # what was written: the PDF's path, or "" for a printer
    failed = Signal(str)

    def __init__(self, workspace, parent: QWidget, *, defaults: Callable[[], tuple],
                 queries: DayQueries | None = None, choose_path: ChoosePath = ask_save_path,
                 ask_printer: AskPrinter = ask_printer) -> None:
        super().__init__(parent)
        self._ws = workspace
        self._parent = parent
        self._defaults = defaults
        self._queries = queries or DayQueries.of(workspace)
        self._choose_path = choose_path
        self._ask_printer = ask_printer
        self.dialog: PrintOptionsDialog | None = None
        self.message_box: QMessageBox | None = None
        self.print_action = QAction(_("Print…"), parent)
        self.print_action.setShortcut(QKeySequence.StandardKey.Print)
        self.print_action.setToolTip(_("Print a practitioner's day or week (Ctrl+P)"))
        self.print_action.triggered.connect(lambda: self.open_options(pdf=False))
        self.pdf_action = QAction(_("PDF…"), parent)
        self.pdf_action.setToolTip(_("Save a practitioner's day or week as a PDF"))
        self.pdf_action.triggered.connect(lambda: self.open_options(pdf=True))

    def practitioners(self) -> list[tuple[str, str]]:
        return [(p.id, p.display_name) for p in self._ws.practitioners()]

    def open_options(self, *, pdf: bool, practitioner_id: str | None = None,
                     day: date | None = None, week: bool = False,
                     phones: bool | None = None,
                     parent: QWidget | None = None) -> PrintOptionsDialog:
        """The options, shown without blocking (over ``parent``, the page by default);
        accepted, they print or save. The phone numbers are on by default for a
        practitioner's own day sheet only (``phones``)."""
        default_pid, default_day = self._defaults()
        owner = parent or self._parent
        dialog = PrintOptionsDialog(self.practitioners(), owner, pdf=pdf,
                                    practitioner_id=practitioner_id or default_pid,
                                    day=day or default_day, week=week, phones=bool(phones))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.run(dialog.request(), pdf=pdf, parent=owner))
        self.dialog = dialog
        dialog.open()
        return dialog

    def run(self, request: PrintRequest, *, pdf: bool, parent: QWidget | None = None) -> bool:
        if request.practitioner_id is None:
            return False
        return self.save_pdf(request, parent=parent) if pdf else self.print(request,
                                                                           parent=parent)

    def print(self, request: PrintRequest, *, parent: QWidget | None = None) -> bool:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageLayout(page_layout(request))
        printer.setDocName(_("Agenda"))
        parent = parent or self._parent
        if not self._ask_printer(parent, printer):
            return False
        try:
            print_sheet(self._ws, self._queries, request, printer)
        except Exception as exc:  # noqa: BLE001 - told to the user, never the data
            log.error("printing failed: %s", type(exc).__name__)
            return self._fail(_("The agenda could not be printed."), parent)
        self.finished.emit("")
        return True

    def save_pdf(self, request: PrintRequest, *, parent: QWidget | None = None) -> bool:
        parent = parent or self._parent
        path = self._choose_path(parent, _("Save the agenda as a PDF"),
                                 suggested_name(request), _("PDF files (*.pdf)"))
        if path is None:
            return False
        chosen = Path(path)
        path = chosen
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        try:
            # The dialog asked before replacing the name it was given, not another one.
            write_pdf(self._ws, self._queries, request, path, overwrite=path == chosen)
        except ExportError as exc:
            return self._fail(exc.user_message, parent)
        except Exception as exc:  # noqa: BLE001 - told to the user, never the data
            log.error("pdf failed: %s", type(exc).__name__)
            return self._fail(_("The PDF could not be written; no file was saved."), parent)
        self._tell(QMessageBox.Icon.Information,
                   _("The agenda was saved to {path}.").format(path=path), parent)
        self.finished.emit(str(path))
        return True

    def _fail(self, text: str, parent: QWidget) -> bool:
        self._tell(QMessageBox.Icon.Warning, text, parent)
        self.failed.emit(text)
        return False

    def _tell(self, icon: QMessageBox.Icon, text: str, parent: QWidget) -> None:
        box = message_box(icon, _("Agenda"), text, parent=parent)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.message_box = box
        box.open()
