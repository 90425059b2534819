"""Reading a CSV file written by another program: encoding, delimiter, records.

The file is streamed: records are decoded and split one at a time, so a 50 MB export
is never held in memory, and nothing decoded is written anywhere. Only regular files
are read (a device or a pipe never ends), up to ``MAX_FILE_BYTES``, and a record is
at most ``MAX_RECORD_CHARS`` long: a quotation mark that is never closed stops the
reading at its line instead of swallowing the rest of the file into one value.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from app.i18n import _, format_number, ngettext
from app.services.errors import MessageError

DELIMITERS = (";", ",", "\t")
# Codec names this module produces, in the order a reader would try them.
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1")
MAX_FILE_BYTES = 200 * 1024 * 1024
# One record (one line, or several when a quoted value holds line breaks): room for
# every field of the card at its longest, far from what an unclosed quote runs into.
MAX_RECORD_CHARS = 64 * 1024
# csv's own limit on a value stays above the record's: the record's is the one met.
FIELD_SIZE_LIMIT = MAX_RECORD_CHARS + 1
LISTED_LINES = 20  # line numbers named in a message; the count is always complete
_CHUNK = 1 << 20
_SNIFF_CHARS = 64 * 1024
_SNIFF_RECORDS = 30


class UnreadableFile(MessageError):
    """The file cannot be imported at all (missing, empty, no header)."""

    code = "unreadable_file"


@dataclass(frozen=True)
class BrokenLines:
    """Lines of the file that its encoding cannot decode: the first ``LISTED_LINES``
    of them, and how many there are."""

    first: tuple[int, ...]
    count: int

    @property
    def label(self) -> str:
        """"3, 17, 40", or "3, 17, 40 and 12 more"."""
        listed = ", ".join(str(line) for line in self.first)
        more = self.count - len(self.first)
        if more <= 0:
            return listed
        return ngettext("{lines} and {n} more", "{lines} and {n} more", more).format(
            lines=listed, n=format_number(more))


class MixedEncoding(UnreadableFile):
    """UTF-8 except on a few lines: read as Windows-1252 every accent would be garbled,
    read as UTF-8 those lines' stray bytes are lost. The user chooses."""

    def __init__(self, broken: BrokenLines) -> None:
        super().__init__(ngettext(
            "The file is in UTF-8 except on line {lines}, which holds bytes that are not "
            "UTF-8.",
            "The file is in UTF-8 except on lines {lines}, which hold bytes that are not "
            "UTF-8.", broken.count).format(lines=broken.label))
        self.broken = broken


@dataclass(frozen=True)
class CsvFormat:
    encoding: str
    delimiter: str
    # Lines read with U+FFFD in place of bytes the encoding cannot decode (the user chose
    # UTF-8 for a file that is UTF-8 but for them); None: every byte decodes.
    broken: BrokenLines | None = None

    @property
    def errors(self) -> str:
        return "replace" if self.broken else "strict"

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


def _cannot_read(path: Path, exc: OSError) -> UnreadableFile:
    return UnreadableFile(_("Cannot read the file {path}: {reason}").format(
        path=path, reason=exc.strerror or exc))


def _check_file(path: Path, info: os.stat_result) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise UnreadableFile(_("{path} is not a file that can be imported (a folder, a "
                               "device or a pipe): choose the CSV file itself.").format(
                                   path=path))
    if info.st_size > MAX_FILE_BYTES:
        mb = 1024 * 1024
        raise UnreadableFile(_("The file is too large to import ({size} MB; at most {limit} "
                               "MB). Split it into several files.").format(
                                   size=format_number(-(-info.st_size // mb)),
                                   limit=format_number(MAX_FILE_BYTES // mb)))


def _open_binary(path: Path):
    """A regular file, opened for reading: never a device or a pipe, whose reading
    would not end (or whose opening would wait for a writer)."""
    try:
        _check_file(path, os.stat(path))
        # Without blocking, and checked again once open: the path may have changed.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise _cannot_read(path, exc) from exc
    try:
        _check_file(path, os.fstat(fd))
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


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


def _has_utf8_character(fh) -> bool:
    """Whether the file holds one UTF-8 character beyond ASCII (a quick test: a file
    Windows-1252 wrote almost never does, and then needs no line by line look)."""
    fh.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    for chunk in iter(lambda: fh.read(_CHUNK), b""):
        # What does not decode becomes U+FFFD: anything else beyond ASCII is UTF-8.
        if not decoder.decode(chunk).replace("\ufffd", "").isascii():
            return True
    return not decoder.decode(b"", final=True).replace("\ufffd", "").isascii()


def _utf8_lines(fh) -> tuple[BrokenLines, bool]:
    """The lines that are not UTF-8, and whether some line with accents is: a file
    Windows-1252 wrote has no such line (its accents are never valid UTF-8), a UTF-8
    file with a few stray bytes (a paste from elsewhere, a cut) has many."""
    fh.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    first: list[int] = []
    count, line, bad, wide, utf8_text = 0, 1, False, False, False
    # Physical lines, in bounded pieces: a line without end is never held whole.
    for piece in iter(lambda: fh.readline(_CHUNK), b""):
        wide = wide or not piece.isascii()
        if not bad:
            try:
                decoder.decode(piece)
            except UnicodeDecodeError:
                bad = True
        if piece.endswith(b"\n"):
            if bad:
                count += 1
                if len(first) < LISTED_LINES:
                    first.append(line)
            elif wide:
                utf8_text = True
            decoder.reset()
            line, bad, wide = line + 1, False, False
    if not bad:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            bad = True
    if bad:
        count += 1
        if len(first) < LISTED_LINES:
            first.append(line)
    elif wide:
        utf8_text = True
    return BrokenLines(tuple(first), count), utf8_text


def detect_encoding(path: Path) -> str:
    """UTF-16 by its BOM; UTF-8 (with or without BOM) if every byte decodes strictly;
    ``MixedEncoding`` if only some lines do not; else Windows-1252, the encoding of
    Excel's French CSV exports (ISO-8859-1 for the few bytes Windows-1252 leaves
    undefined)."""
    with _open_binary(path) as fh:
        head = fh.read(4)
        if not head:
            raise UnreadableFile(_("The file is empty."))
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        if _decodes(fh, "utf-8"):
            return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
        if _has_utf8_character(fh):
            broken, utf8_text = _utf8_lines(fh)
            if utf8_text:
                raise MixedEncoding(broken)
        return "cp1252" if _decodes(fh, "cp1252") else "latin-1"


def chosen_encoding(path: Path, encoding: str) -> tuple[str, BrokenLines | None]:
    """The encoding the user chose, as it will be read: UTF-8 with the lines whose
    bytes are replaced by U+FFFD, Windows-1252 as ISO-8859-1 if it leaves a byte
    undefined (as detection does)."""
    with _open_binary(path) as fh:
        head = fh.read(4)
        if not head:
            raise UnreadableFile(_("The file is empty."))
        if encoding in ("utf-8", "utf-8-sig"):
            encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
            if _decodes(fh, "utf-8"):
                return encoding, None
            return encoding, _utf8_lines(fh)[0]
        if encoding == "cp1252" and not _decodes(fh, "cp1252"):
            return "latin-1", None
    return encoding, None


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


def detect_format(path: Path, *, encoding: str | None = None,
                  delimiter: str | None = None) -> CsvFormat:
    """The file's format; ``encoding`` and ``delimiter``, if given, are the user's
    choice (see ``chosen_encoding``). ``MixedEncoding`` when the encoding must be chosen."""
    broken = None
    if encoding is None:
        encoding = detect_encoding(path)
    else:
        encoding, broken = chosen_encoding(path, encoding)
    return CsvFormat(encoding, delimiter or detect_delimiter(path, encoding), broken)


@dataclass(frozen=True)
class Record:
    """One record: ``line`` is where it starts in the file (1-based), ``end_line`` where
    it ends; ``cells`` is None when it could not be read, ``error`` says why."""

    line: int
    end_line: int
    cells: list[str] | None
    error: str = ""


class _RecordTooLong(Exception):
    pass


class _Lines:
    """The file's physical lines, counted, and how many bytes were read so far; the
    lines of one record (``record`` characters so far) never pass MAX_RECORD_CHARS."""

    def __init__(self, raw, text) -> None:
        self._raw, self._text = raw, text
        self.count = 0
        self.record = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self._text.readline(MAX_RECORD_CHARS - self.record + 1)
        if not line:
            raise StopIteration
        self.count += 1
        self.record += len(line)
        if self.record > MAX_RECORD_CHARS:
            raise _RecordTooLong()
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
    error and reading goes on; bytes that the encoding cannot decode (unless ``fmt``
    replaces them) or a record longer than MAX_RECORD_CHARS raise UnreadableFile.
    ``bytes_read``, if given, is called with a function returning how many bytes of the
    file were consumed (for progress)."""
    if csv.field_size_limit() < FIELD_SIZE_LIMIT:
        csv.field_size_limit(FIELD_SIZE_LIMIT)
    with _open_binary(path) as raw:
        # A byte Windows-1252 leaves undefined cannot occur: detection chose latin-1.
        text = io.TextIOWrapper(raw, encoding=fmt.encoding, errors=fmt.errors, newline="")
        lines = _Lines(raw, text)
        if bytes_read is not None:
            bytes_read(lambda: lines.bytes_read)
        reader = csv.reader(lines, delimiter=fmt.delimiter, quotechar='"', doublequote=True,
                            strict=True)
        while True:
            start = lines.count + 1
            lines.record = 0
            try:
                cells = next(reader)
            except StopIteration:
                return
            except _RecordTooLong:
                # Where it ends cannot be known: nothing after it can be trusted.
                raise UnreadableFile(_(
                    "Line {line} starts a record longer than {limit} characters (a quotation "
                    "mark that is never closed, or a value far too long). The file cannot be "
                    "read past it; correct it and try again.").format(
                        line=start, limit=format_number(MAX_RECORD_CHARS))) from None
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
