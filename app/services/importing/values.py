"""Cell values as other software writes them, turned into what the patient card holds."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from app.i18n import _, format_number
from app.models import Civility, ContactChannel, Patient, PhoneKind, Sex
from app.models.text import fold
from app.services.dates import InvalidDate, parse_french_date
from app.services.patients import PatientInput, PhoneEntry
from app.services.phones import national_digits

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DMY_TIME = re.compile(r"^(\d{1,2}[/.\- ]\d{1,2}[/.\- ]\d{2,4})\s+\d{1,2}[:h]\d{2}(?::\d{2})?$")
_SERIAL = re.compile(r"^(\d{1,7})(?:[.,]0+)?$")
_YMD_COMPACT = re.compile(r"^((?:19|20)\d{2})(\d{2})(\d{2})$")
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_LAST = 2_958_465  # 31/12/9999
_PHONE_SPLIT = re.compile(r"\s*(?:[/;,|]|\bou\b|\bor\b)\s*", re.IGNORECASE)
_WORD = re.compile(r"[^0-9a-z]+")

_SEX_WORDS = {
    Sex.MALE.value: ("m", "h", "homme", "masculin", "masc", "male", "man", "garcon", "1"),
    Sex.FEMALE.value: ("f", "femme", "feminin", "fem", "female", "woman", "w", "fille", "2"),
    Sex.UNKNOWN.value: ("", "i", "inconnu", "indetermine", "nonprecise", "u", "unknown", "x",
                        "0", "9", "nr"),
}
_CIVILITY_WORDS = {
    Civility.MONSIEUR.value: ("m", "mr", "monsieur", "mister", "mssr"),
    Civility.MADAME.value: ("mme", "madame", "mlle", "melle", "mademoiselle", "mrs", "ms",
                            "miss", "mmes"),
    # Titles with no counterpart on the card: no civility, not an error.
    Civility.NONE.value: ("", "dr", "docteur", "pr", "professeur", "me", "maitre", "enfant",
                          "bebe", "mx"),
}
_CHANNEL_WORDS = {
    ContactChannel.PHONE.value: ("telephone", "tel", "appel", "phone", "call"),
    ContactChannel.SMS.value: ("sms", "texto", "text", "textmessage"),
    ContactChannel.EMAIL.value: ("email", "mail", "courriel", "mel"),
    ContactChannel.MAIL.value: ("courrier", "lettre", "courrierpostal", "letter", "post"),
    ContactChannel.ANY.value: ("", "indifferent", "any"),
}
_YES = frozenset({"oui", "o", "yes", "y", "1", "x", "vrai", "true"})
_NO = frozenset({"", "non", "n", "no", "0", "faux", "false"})
_CHANNEL = {w: v for v, words in _CHANNEL_WORDS.items() for w in words}
_SEX = {w: v for v, words in _SEX_WORDS.items() for w in words}
_CIVILITY = {w: v for v, words in _CIVILITY_WORDS.items() for w in words}
_PHONE_KIND = {"phone_mobile": PhoneKind.MOBILE.value, "phone_home": PhoneKind.HOME.value,
               "phone_work": PhoneKind.WORK.value}
# Column lengths of the card: a longer cell is an error, never a truncation.
_MAX_LENGTH = {key: Patient.__table__.c[key].type.length for key in (
    "birth_name", "used_name", "first_names", "email", "email_other", "address_line", "city",
    "referring_doctor", "alert")}
_PHONE_MAX = 40
# Any cell, and the notes: a longer one is an error for its row (a runaway value, a
# document pasted into a cell), never a truncation.
MAX_CELL = 1_000
MAX_NOTE = 4_000
_NOTE_FIELDS = frozenset({"admin_note", "alert"})
# A leading apostrophe before these marks a cell kept as text (not a formula).
_NEUTRALISED = frozenset("=+-@\t\r\n")


def excel_serial_date(serial: int) -> date:
    """Excel's day numbers (1 = 01/01/1900), with its phantom 29/02/1900 (number 60)."""
    if serial < 1 or serial == 60 or serial > _EXCEL_LAST:
        raise InvalidDate(str(serial), exists=False)
    return _EXCEL_EPOCH + timedelta(days=serial + (1 if serial < 60 else 0))


def parse_import_date(text: str, *, today: date) -> date | None:
    """dd/mm/yyyy, d/m/yy, yyyy-mm-dd (a time after it is ignored), yyyymmdd, ddmmyyyy,
    or an Excel day number; None for an empty cell; InvalidDate otherwise."""
    text = text.strip().lstrip("'")
    if not text:
        return None
    m = _ISO.match(text)
    if m:
        return _ymd(text, m)
    m = _DMY_TIME.match(text)
    if m:
        text = m.group(1)
    elif len(text) == 8 and text.isdigit():
        try:
            return parse_french_date(text, today=today)  # ddmmyyyy first: a French file
        except InvalidDate:
            if m := _YMD_COMPACT.match(text):
                return _ymd(text, m)
            raise
    elif m := _SERIAL.match(text):
        return excel_serial_date(int(m.group(1)))
    return parse_french_date(text, today=today)


def _ymd(text: str, m: re.Match) -> date:
    try:
        return date(*(int(g) for g in m.groups()))
    except ValueError as exc:
        raise InvalidDate(text, exists=False) from exc


def phone_numbers(cell: str) -> list[str]:
    """One cell may hold several numbers ("06 12 34 56 78 / 04 78 12 34 56")."""
    text = cell.strip().lstrip("'")
    if not text:
        return []
    parts = [p for p in _PHONE_SPLIT.split(text) if p.strip()]
    if len(parts) > 1 and all(sum(ch.isdigit() for ch in p) >= 9 for p in parts):
        return [_repair_phone(p) for p in parts]
    return [_repair_phone(text)]


def _repair_phone(text: str) -> str:
    """Undo what spreadsheets do to French numbers: a lost leading zero, "(0)", "33…"."""
    text = text.replace("(0)", "").strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if digits == text.replace(" ", "").replace(".", ""):
        if len(digits) == 9 and digits[0] != "0":
            return "0" + digits
        if len(digits) == 11 and digits.startswith("33"):
            return "+" + digits
    return text


@lru_cache(maxsize=512)  # a handful of distinct values per file
def _word(cell: str) -> str:
    return _WORD.sub("", fold(cell))


@dataclass
class Converted:
    data: PatientInput
    # the column (index in the file) of each phone of ``data.phones``
    phone_columns: list[int]
    # errors found before validation: field key -> message
    errors: dict[str, str]
    # the column (index in the file) of an error, when one cell is at fault
    error_columns: dict[str, int] = field(default_factory=dict)


def _too_long(limit: int) -> str:
    return _("Too long: at most {limit} characters.").format(limit=format_number(limit))


def convert_row(cells: list[str], mapping: list, *, today: date) -> Converted:
    """The cells of one record, through the mapping, as a ``PatientInput``."""
    values: dict[str, list[str]] = {}
    phone_cells: list[tuple[int, str, str]] = []
    errors: dict[str, str] = {}
    error_columns: dict[str, int] = {}
    for index, (cell, key) in enumerate(zip(cells, mapping)):
        if key is None:
            continue
        limit = MAX_NOTE if key in _NOTE_FIELDS else MAX_CELL
        if len(cell) > limit:
            errors[key], error_columns[key] = _too_long(limit), index
            continue
        if cell[:1] == "'" and cell[1:2] in _NEUTRALISED:
            cell = cell[1:]  # the apostrophe a spreadsheet export puts before "=", "+"...
        values.setdefault(key, []).append(cell)
        if key.startswith("phone"):
            phone_cells.append((index, key, cell))

    def one(key: str) -> str:
        return values.get(key, [""])[0].strip()

    data = PatientInput(
        birth_name=one("birth_name"), first_names=one("first_names"),
        used_name=one("used_name"), email=one("email"), email_other=one("email_other"),
        address_line=", ".join(v.strip() for v in values.get("address_line", []) if v.strip()),
        postal_code=one("postal_code").lstrip("'"), city=one("city"),
        referring_doctor=one("referring_doctor"), alert=one("alert"),
        admin_note="\n".join(v.strip() for v in values.get("admin_note", []) if v.strip()),
    )
    if data.postal_code.isdigit() and len(data.postal_code) == 4:
        data.postal_code = "0" + data.postal_code  # Ain to Var lose their zero in a spreadsheet
    if len(data.admin_note) > MAX_NOTE:  # several columns put together
        errors.setdefault("admin_note", _too_long(MAX_NOTE))
        data.admin_note = ""
    for key, limit in _MAX_LENGTH.items():
        if len(getattr(data, key)) > limit:
            errors.setdefault(key, _too_long(limit))
            setattr(data, key, "")
    _one_name_for_both(data)
    birth = one("birth_date")
    try:
        data.birth_date = parse_import_date(birth, today=today)
    except InvalidDate as exc:
        errors["birth_date"] = exc.user_message if exc.well_formed else _(
            "“{value}” is not a date: expected dd/mm/yyyy, yyyy-mm-dd or an Excel date "
            "number.").format(value=birth[:40])
    sex = one("sex")
    if _word(sex) in _SEX:
        data.sex = _SEX[_word(sex)]
    else:
        errors["sex"] = _("“{value}” is not a sex: expected M, F, H, Homme or Femme.").format(
            value=sex[:40])
    civility = one("civility")
    if _word(civility) in _CIVILITY:
        data.civility = _CIVILITY[_word(civility)]
    else:
        errors["civility"] = _("“{value}” is not a title: expected M., Mme, Monsieur or "
                               "Madame.").format(value=civility[:40])
    channel = one("preferred_channel")
    if _word(channel) in _CHANNEL:
        data.preferred_channel = _CHANNEL[_word(channel)]
    else:
        errors["preferred_channel"] = _("“{value}” is not a way of contact: expected "
                                        "Téléphone, SMS, E-mail or Courrier.").format(
                                            value=channel[:40])
    data.call_not_before = one("call_not_before") or None
    data.call_not_after = one("call_not_after") or None
    consent = _word(one("reminder_consent"))
    if consent in _YES or consent in _NO:
        data.reminder_consent = consent in _YES
    else:
        errors["reminder_consent"] = _("“{value}” is neither yes nor no (Oui or Non).").format(
            value=one("reminder_consent")[:40])
    phone_columns: list[int] = []
    # Mobiles first: the first number is the one shown in lists.
    phone_cells.sort(key=lambda c: c[1] != "phone_mobile")
    for index, key, cell in phone_cells:
        for number in phone_numbers(cell):
            if len(number) > _PHONE_MAX:
                errors[key] = _("Too long: at most {limit} characters.").format(limit=_PHONE_MAX)
                continue
            data.phones.append(PhoneEntry(number, _phone_kind(key, number)))
            phone_columns.append(index)
    return Converted(data, phone_columns, errors, error_columns)


def _one_name_for_both(data: PatientInput) -> None:
    """French exports leave the birth name empty when it is the name in use (or the name
    in use empty when it is the birth name): one name, the birth name. An empty used
    name is the card's way of saying "the birth name", so a copy of it is not kept."""
    if not data.birth_name:
        data.birth_name, data.used_name = data.used_name, ""
    elif data.used_name and fold(data.used_name) == fold(data.birth_name):
        data.used_name = ""


def _phone_kind(key: str, number: str) -> str:
    """The column says it, else the number does: a French mobile (overseas ones too) is a
    mobile; any other number is a landline in a plain "phone" column, "other" in an
    "other phones" one."""
    if key in _PHONE_KIND:
        return _PHONE_KIND[key]
    digits = "".join(ch for ch in number if ch.isdigit())
    if number.lstrip()[:1] == "+":
        digits = national_digits("+" + digits)
    elif digits.startswith("00"):
        digits = national_digits("+" + digits[2:])
    elif digits.startswith("33") and len(digits) == 11:
        digits = "0" + digits[2:]
    national = digits
    if national[:2] in ("06", "07"):
        return PhoneKind.MOBILE.value
    return PhoneKind.OTHER.value if key == "phone_other" else PhoneKind.HOME.value
