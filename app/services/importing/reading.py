"""Reading a CSV file written by another program: encoding, delimiter, records.

The file is streamed: records are decoded and split one at a time, so a 50 MB export
is never held in memory, and nothing decoded is written anywhere.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from app.i18n import _
from app.services.errors import MessageError

DELIMITERS = (";", ",", "\t")
# Codec names this module produces, in the order a reader would try them.
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1")
# Above Python's default (128 KiB) for long notes; 2**31 - 1 fits a C long everywhere.
FIELD_SIZE_LIMIT = 2**31 - 1
_CHUNK = 1 << 20
_SNIFF_CHARS = 64 * 1024
_SNIFF_RECORDS = 30


class UnreadableFile(MessageError):
    """The file cannot be imported at all (missing, empty, no header)."""

    code = "unreadable_file"


@dataclass(frozen=True)
class CsvFormat:
    encoding: str
    delimiter: str

    @property
    def encoding_label(self) -> str:
        return encoding_label(self.encoding)

    @property
    def delimiter_label(self) -> str:
        return delimiter_label(self.delimiter)


def encoding_label(encoding: str) -> str:
    return {"utf-8": "UTF-8", "utf-8-sig": _("UTF-8 with BOM"), "utf-16": "UTF-16",
            "cp1252": "Windows-1252", "latin-1": "ISO-8859-1"}.get(encoding, encoding)


def delimiter_label(delimiter: str) -> str:
    return {";": _("semicolon (;)"), ",": _("comma (,)"), "\t": _("tab")}.get(
        delimiter, repr(delimiter))


def _open_binary(path: Path):
    try:
        return open(path, "rb")
    except OSError as exc:
        raise UnreadableFile(_("Cannot read the file {path}: {reason}").format(
            path=path, reason=exc.strerror or exc)) from exc


def _decodes(fh, encoding: str) -> bool:
    fh.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(path: Path) -> str:
    """UTF-16 by its BOM; UTF-8 (with or without BOM) if every byte decodes strictly;
    else Windows-1252, the encoding of Excel's French CSV exports (ISO-8859-1 for the
    few bytes Windows-1252 leaves undefined)."""
    with _open_binary(path) as fh:
        head = fh.read(4)
        if not head:
            raise UnreadableFile(_("The file is empty."))
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        if _decodes(fh, "utf-8"):
            return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
        return "cp1252" if _decodes(fh, "cp1252") else "latin-1"


def _record_counts(text: str) -> list[dict[str, int]]:
    """Delimiters outside quotes, per record, over the first records of ``text``."""
    records: list[dict[str, int]] = []
    counts = dict.fromkeys(DELIMITERS, 0)
    in_quotes, blank = False, True
    for ch in text:
        if ch == '"':
            in_quotes, blank = not in_quotes, False  # "" inside quotes toggles twice
        elif in_quotes:
            continue
        elif ch in "\r\n":
            if not blank:
                records.append(counts)
                if len(records) >= _SNIFF_RECORDS:
                    return records
                counts = dict.fromkeys(DELIMITERS, 0)
            blank = True
        elif ch in counts:
            counts[ch] += 1
            blank = False
        elif not ch.isspace():
            blank = False
    if not blank and len(text) < _SNIFF_CHARS:  # a last record cut by the sample is left out
        records.append(counts)
    return records


def detect_delimiter(path: Path, encoding: str) -> str:
    """The candidate found on the header line and the same number of times on the most
    records (``csv.Sniffer`` guesses wrong on short or accented files)."""
    with _open_binary(path) as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
        records = _record_counts(text.read(_SNIFF_CHARS))
    best, best_score = DELIMITERS[0], (-1.0, 0)
    for delimiter in DELIMITERS:
        header = records[0][delimiter] if records else 0
        if header == 0:
            continue
        same = sum(1 for r in records if r[delimiter] == header) / len(records)
        score = (same, header)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def detect_format(path: Path) -> CsvFormat:
    encoding = detect_encoding(path)
    return CsvFormat(encoding, detect_delimiter(path, encoding))


@dataclass(frozen=True)
class Record:
    """One record: ``line`` is where it starts in the file (1-based), ``end_line`` where
    it ends; ``cells`` is None when it could not be read, ``error`` says why."""

    line: int
    end_line: int
    cells: list[str] | None
    error: str = ""


class _Lines:
    """The file's physical lines, counted, and how many bytes were read so far."""

    def __init__(self, raw, text) -> None:
        self._raw, self._text = raw, text
        self.count = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._text)
        self.count += 1
        return line

    @property
    def bytes_read(self) -> int:
        return self._raw.tell()


def _quote_error(start: int, end: int) -> str:
    if end > start:
        return _("Unbalanced quotation marks: lines {start} to {end} could not be read.").format(
            start=start, end=end)
    return _("A quotation mark is misplaced on this line; it could not be read.")


def read_records(path: Path, fmt: CsvFormat, *, bytes_read=None) -> Iterator[Record]:
    """Non-empty records in file order; a record broken by its quotes is yielded with an
    error and reading goes on; bytes that the encoding cannot decode raise UnreadableFile. ``bytes_read``, if given, is called with a function
    returning how many bytes of the file were consumed (for progress)."""
    if csv.field_size_limit() < FIELD_SIZE_LIMIT:
        csv.field_size_limit(FIELD_SIZE_LIMIT)
    with _open_binary(path) as raw:
        # A byte Windows-1252 leaves undefined cannot occur: detection chose latin-1.
        text = io.TextIOWrapper(raw, encoding=fmt.encoding, errors="strict", newline="")
        lines = _Lines(raw, text)
        if bytes_read is not None:
            bytes_read(lambda: lines.bytes_read)
        reader = csv.reader(lines, delimiter=fmt.delimiter, quotechar='"', doublequote=True,
                            strict=True)
        while True:
            start = lines.count + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error:
                yield Record(start, max(start, lines.count), None, _quote_error(start, lines.count))
                continue
            except UnicodeDecodeError as exc:
                # Fatal: what follows cannot be read, and must not be silently left out.
                raise UnreadableFile(_(
                    "The file is not in the encoding {encoding} (from about line {line}); "
                    "choose another encoding.").format(encoding=fmt.encoding_label,
                                                       line=start)) from exc
            if not any(c.strip() for c in cells):
                continue  # empty lines, or lines of delimiters only
            yield Record(start, lines.count, cells)
