"""CSV for spreadsheets: the columns, their French headers and the cell values.

The headers are the ones the CSV import recognises, so an exported file imports back.
They are a file format, not user-interface text: they stay French whatever the
interface language. Files are written UTF-8 with a BOM (so Excel reads the accents),
``;``-separated (Excel's default in France) with CRLF line ends.
"""

from __future__ import annotations

from app.models import ContactCategory, PhoneKind
from app.models.text import plain_text
from app.services.exporting.sources import ContactRow, PatientRow
from app.services.phones import display_phone

DELIMITER = ";"
LINE_END = "\r\n"
ENCODING = "utf-8-sig"  # UTF-8 with a byte-order mark

PATIENT_HEADERS = (
    "Nom de naissance", "Nom d'usage", "Prénoms", "Date de naissance", "Sexe", "Civilité",
    "Tél. portable", "Tél. domicile", "Tél. travail", "Autre tél.", "E-mail", "Autre e-mail",
    "Adresse", "Code postal", "Ville", "Médecin traitant", "Note administrative", "Alerte",
    "Moyen de contact préféré", "Joindre à partir de", "Joindre jusqu'à", "Accord rappels",
)

DIRECTORY_HEADERS = (
    "Catégorie", "Titre", "Nom", "Prénom", "Organisation", "Spécialité", "Téléphone",
    "Téléphone 2", "Fax", "E-mail", "MSSanté", "Adresse", "Code postal", "Ville", "Note",
)

CIVILITY = {"mme": "Mme", "m": "M."}
SEX = {"F": "F", "M": "M"}
CHANNEL = {"phone": "Téléphone", "sms": "SMS", "email": "E-mail", "mail": "Courrier"}
CATEGORY = {
    ContactCategory.GP.value: "Médecin généraliste",
    ContactCategory.SPECIALIST.value: "Spécialiste",
    ContactCategory.LAB.value: "Laboratoire",
    ContactCategory.RADIOLOGY.value: "Radiologie",
    ContactCategory.PHARMACY.value: "Pharmacie",
    ContactCategory.HOSPITAL.value: "Hôpital",
    ContactCategory.NURSE.value: "Infirmier",
    ContactCategory.PHYSIO.value: "Kinésithérapeute",
    ContactCategory.AMBULANCE.value: "Ambulance",
    ContactCategory.PRACTICE.value: "Cabinet",
    ContactCategory.OTHER.value: "Autre",
}

# A spreadsheet runs a cell starting with one of these as a formula (or, for tab and
# line breaks, may drop them and then see one): "=HYPERLINK(...)" in a name would
# run when the secretary opens the file. A leading apostrophe makes the cell text.
FORMULA_STARTS = frozenset("=+-@\t\r\n")


def neutralise(value: str) -> str:
    return "'" + value if value[:1] in FORMULA_STARTS else value


def _neutralised(cells: list[str]) -> list[str]:
    # Cleaned first (line breaks kept, in a quoted cell): a bidirectional override or a
    # control character before "=" would otherwise hide it from the check.
    cells = [plain_text(c) for c in cells]
    return ["'" + c if c[:1] in FORMULA_STARTS else c for c in cells]


def phone_cell(number: str) -> str:
    """Numbers of France and its overseas departments in national form ("06 12 34 56 78",
    "0692 45 67 89": no leading +, nothing to neutralise, and the spaces keep it text, so
    Excel keeps its leading 0); others in international form, which ``neutralise`` then
    protects."""
    return display_phone(number) if number.startswith("+") else number


def _date(value) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}" if value is not None else ""


def _time(value) -> str:
    return value.strftime("%H:%M") if value is not None else ""


_PHONE_COLUMNS = (PhoneKind.MOBILE.value, PhoneKind.HOME.value, PhoneKind.WORK.value)


def patient_cells(p: PatientRow) -> list[str]:
    # The first phone of each kind has its column; any further ones share "Autre tél.".
    slots: dict[str, str] = {}
    others: list[str] = []
    for kind, e164 in p.phones:
        if kind in _PHONE_COLUMNS and kind not in slots:
            slots[kind] = phone_cell(e164)
        else:
            others.append(phone_cell(e164))
    cells = [
        p.birth_name, p.used_name, p.first_names,
        _date(p.birth_date),
        SEX.get(p.sex, ""), CIVILITY.get(p.civility, ""),
        *(slots.get(kind, "") for kind in _PHONE_COLUMNS), ", ".join(others),
        p.email, p.email_other, p.address_line, p.postal_code, p.city, p.referring_doctor,
        p.admin_note, p.alert, CHANNEL.get(p.preferred_channel, ""),
        _time(p.call_not_before), _time(p.call_not_after),
        "Oui" if p.reminder_consent else "Non",
    ]
    return _neutralised(cells)


def contact_cells(c: ContactRow) -> list[str]:
    cells = [
        CATEGORY.get(c.category, c.category), c.title, c.name, c.first_name, c.organisation,
        c.specialty, phone_cell(c.phone), phone_cell(c.phone2), phone_cell(c.fax), c.email,
        c.mssante, c.address_line, c.postal_code, c.city, c.note,
    ]
    return _neutralised(cells)
