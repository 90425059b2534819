"""The day report ("Compte rendu de la journée") on paper or as a PDF.

The report's data (``app.services.calls.day_report``) laid out as a rich-text document
(``QTextDocument``: headings and tables, paginated by Qt with page numbers), then
printed on a ``QPrinter`` or a ``QPdfWriter``. Every text from users or the database is
cleaned of control characters and escaped: it is shown as plain text.

The PDF is written under a hidden random name beside its destination (owner-only, as
the exports are: ``TempFile``), then renamed into place inside the audit transaction of
the report's output; a failure leaves neither the file nor a stray temporary one.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument

from app.i18n import _, format_date, format_heading_date, ngettext
from app.models.text import clean_name, plain_text
from app.services.calls import labels
from app.services.calls.day_report import (
    ANSWERED,
    DESK,
    ENDED,
    NOTE,
    RANG,
    REFERRED,
    DayReport,
    ReportCallback,
    Step,
)
from app.services.exporting.files import TempFile, cannot_write, check_file_destination
from app.services.phones import display_phone
from app.ui.calls.text import step_words

_STYLE = """
body { font-family: sans-serif; font-size: 9.5pt; color: #111; }
h1 { font-size: 15pt; margin: 0; }
h2 { font-size: 11.5pt; margin-top: 14px; margin-bottom: 4px; border-bottom: 1px solid #888; }
p.sub { color: #444; margin-top: 2px; }
table { border-collapse: collapse; }
th { background: #e5e7eb; font-weight: bold; text-align: left; }
td, th { padding: 2px 6px; }
td.n, th.n { text-align: right; }
"""


def _tag(name: str, inner: str, css: str = "") -> str:
    """``inner`` (already escaped, or our own words) inside an element."""
    cls = f' class="{css}"' if css else ""
    return f"<{name}{cls}>{inner}</{name}>"


def _e(text: str) -> str:
    return html.escape(clean_name(text or ""))


def step_label(step: Step) -> str:
    """What a step of an urgent call says; a step of the urgent protocol says its own."""
    if step.kind.startswith(DESK):
        return step_words(step.kind.removeprefix(DESK), step.ref, step.detail)
    known = {RANG: _("Call received"), ANSWERED: _("Answered"),
             REFERRED: _("Referred to the 15"), ENDED: _("Call ended"), NOTE: _("Note")}
    word = known.get(step.kind, step.kind)
    return f"{word} : {step.detail}" if step.detail and step.kind == NOTE else (
        f"{word} — {step.detail}" if step.detail else word)


def _caller(name: str, number: str) -> str:
    parts = [p for p in (name, display_phone(number) if number else _("withheld number")) if p]
    return " · ".join(parts)


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    head = "".join(f'<th{" class=n" if i in numeric else ""}>{h}</th>'
                   for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(
        f'<td{" class=n" if i in numeric else ""}>{c}</td>' for i, c in enumerate(row))
        + "</tr>" for row in rows)
    return (f'<table border="1" cellspacing="0" cellpadding="3" width="100%">'
            f"<tr>{head}</tr>{body}</table>")


def report_html(report: DayReport, *, practice_name: str, zone) -> str:
    """The report as HTML for ``QTextDocument``; every value escaped."""
    time = lambda at: zone.local(at).strftime("%H:%M") if at else ""  # noqa: E731
    who = _e(report.practitioner_name) if report.practitioner_id else html.escape(
        _("The whole practice"))
    made = zone.local(report.made_at)
    out = [f"<html><head><style>{_STYLE}</style></head><body>",
           _tag("h1", html.escape(_("Day report") + " — " + format_heading_date(report.day))),
           f'<p class="sub">{_e(practice_name)} · {who} · '
           + _("made on {date} at {time}").format(date=format_date(made.date()),
                                                  time=made.strftime("%H:%M"))
           + "</p>"]

    out.append(_tag("h2", html.escape(_("Calls"))))
    out.append("<p>" + _("{calls} calls: {answered} answered, {missed} missed, {outgoing} "
                         "outgoing.").format(calls=report.calls, answered=report.answered,
                                             missed=report.missed, outgoing=report.outgoing)
               + "</p>")
    if report.by_reason:
        reason_words, outcome_words = labels.reasons(), labels.outcomes()
        headers = [_("Reason")] + [html.escape(labels.label(outcome_words, c) if c
                                               else _("No outcome"))
                                   for c in report.outcome_columns] + [_("Total")]
        rows = [[html.escape(labels.label(reason_words, r) if r else _("No reason"))]
                + [str(counts.get(c, 0) or "") for c in report.outcome_columns] + [str(total)]
                for r, counts, total in report.by_reason]
        out.append(_table(headers, rows, set(range(1, len(headers)))))

    out.append(_tag("h2", html.escape(_("Appointments by phone"))))
    out.append("<p>" + _("Booked: {booked} · moved: {moved} · cancelled: {cancelled}").format(
        booked=report.booked, moved=report.moved, cancelled=report.cancelled) + "</p>")

    out.append(_tag("h2", html.escape(_("Messages"))))
    out.append("<p>" + _("Received: {received} · treated: {treated} · still open: {open}")
               .format(received=report.messages_received, treated=report.messages_treated,
                       open=report.messages_open) + "</p>")

    out.append(_tag("h2", html.escape(_("Callbacks"))))
    out.append("<p>" + _("Done: {done} · overdue: {overdue}").format(
        done=len(report.callbacks_done), overdue=len(report.callbacks_overdue)) + "</p>")

    def callback_rows(rows: tuple[ReportCallback, ...], late: bool) -> str:
        headers = [_("Due"), _("Caller"), _("Reason"), _("Attempts"), _("State")]
        cells = [[time(c.due_at), _e(_caller(c.caller_name, c.number)), _e(c.reason),
                  str(c.attempts), time(c.done_at) if c.done_at else
                  _tag("b", html.escape(_("Overdue"))) if late else ""]
                 for c in rows]
        return _table(headers, cells, {3})

    if report.callbacks_overdue:
        out.append(_tag("p", _tag("b", html.escape(_("Overdue"))))
                   + callback_rows(report.callbacks_overdue, True))
    if report.older_overdue:
        out.append("<p>" + ngettext("And {n} older callback still to do.",
                                    "And {n} older callbacks still to do.",
                                    report.older_overdue).format(n=report.older_overdue)
                   + "</p>")
    if report.callbacks_done:
        out.append(_tag("p", _tag("b", html.escape(_("Done"))))
                   + callback_rows(report.callbacks_done, False))

    out.append(_tag("h2", html.escape(_("Urgent calls"))))
    if not report.urgent:
        out.append(_tag("p", html.escape(_("No urgent call."))))
    reason_words, outcome_words = labels.reasons(), labels.outcomes()
    for u in report.urgent:
        what = " · ".join(p for p in (
            labels.label(reason_words, u.reason) if u.reason else "",
            labels.label(outcome_words, u.outcome) if u.outcome else "") if p)
        handled = _("handled by {who}").format(who=u.handled_by) if u.handled_by else ""
        out.append(f"<p><b>{time(u.started_at)} — {_e(_caller(u.caller_name, u.number))}</b>"
                   f"<br/>{_e(what)}{' · ' + _e(handled) if handled else ''}</p>")
        steps = [[time(s.at) if s.at else "", html.escape(plain_text(step_label(s)))
                  .replace("\n", "<br/>")] for s in u.steps]
        out.append(_table([_("Time"), _("Step")], steps))
    out.append(_tag("p", html.escape(_("Confidential: patient data.")), "sub"))
    out.append("</body></html>")
    return "".join(out)


def ensure_gui() -> None:
    """A Qt application for laying text out, offscreen when none runs (the command line)."""
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        global _APP
        _APP = QGuiApplication([])


_APP = None  # kept alive for the command's lifetime


def report_document(report: DayReport, *, practice_name: str, zone) -> QTextDocument:
    doc = QTextDocument()
    doc.setHtml(report_html(report, practice_name=practice_name, zone=zone))
    return doc


def _layout() -> QPageLayout:
    from PySide6.QtCore import QMarginsF

    return QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                       QMarginsF(12, 12, 12, 12), QPageLayout.Unit.Millimeter)


_PAGE = re.compile(rb"/Type\s*/Page(?![s\w])")


def pdf_page_count(data: bytes) -> int:
    """The pages of a PDF Qt wrote (its page objects are not compressed)."""
    return len(_PAGE.findall(data))


def suggested_name(report: DayReport) -> str:
    """A file name that says which day and nothing about anyone."""
    return f"compte-rendu-{report.day.isoformat()}.pdf"


def write_report_pdf(ws, report: DayReport, path: Path | str, *,
                     overwrite: bool = False) -> int:
    """The report as a PDF at ``path``, whole or not at all, owner-only, audited; the
    number of pages. Raises ExportError when the destination cannot be written (an
    existing file unless ``overwrite``, a link, the profile folder…)."""
    from app.services import access

    ws.require(access.PRINT)
    ws.require(access.EXPORT)  # a file: what a remote workstation's policy may forbid
    path = Path(path)
    check_file_destination(path, protected=ws.paths.root, overwrite=overwrite)
    doc = report_document(report, practice_name=ws.practice.name, zone=ws.zone)
    temp = TempFile(path, overwrite=overwrite)
    try:
        writer = QPdfWriter(str(temp.path))
        writer.setPageLayout(_layout())
        writer.setCreator("Permanence")
        writer.setTitle(_("Day report"))  # the file's metadata names nobody
        doc.print_(writer)
        del writer  # closes the file
        data = temp.path.read_bytes()
        if not data:
            raise cannot_write(path.parent, OSError("empty PDF"))
        with open(temp.path, "rb") as fh:
            os.fsync(fh.fileno())
        ws.day_reports.record_output(report.day, report.practitioner_id, output="pdf",
                                     place=temp.place, withdraw=temp.withdraw)
    except BaseException:
        temp.discard()
        raise
    return pdf_page_count(data)


def print_report(ws, report: DayReport, printer) -> None:
    """The report on ``printer`` (its settings already chosen), audited."""
    from app.services import access

    ws.require(access.PRINT)
    doc = report_document(report, practice_name=ws.practice.name, zone=ws.zone)
    doc.print_(printer)
    ws.day_reports.record_output(report.day, report.practitioner_id, output="printer")
