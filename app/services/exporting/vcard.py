"""vCard 4.0 (RFC 6350): cards for address books and phones.

Text values escape backslash, comma, semicolon and line breaks (section 3.4); lines are
folded at 75 octets of UTF-8, never inside a multi-byte character (section 3.2), and
end with CRLF. Phones are ``tel:`` URIs in E.164; the UID is the row's own UUID, so a
card exported twice is recognised as the same contact by the address book.
"""

from __future__ import annotations

from app.models.patient import PhoneKind
from app.models.text import one_line, plain_text
from app.services.exporting.csv_format import CATEGORY
from app.services.exporting.sources import ContactRow, PatientRow

CRLF = "\r\n"
MAX_OCTETS = 75
_PATIENT_TEL = {PhoneKind.MOBILE.value: "cell", PhoneKind.HOME.value: "home",
                PhoneKind.WORK.value: "work", PhoneKind.OTHER.value: "voice"}
_CIVILITY = {"mme": "Mme", "m": "M."}


def escape(value: str) -> str:
    # Any line break one "\n" (escaped below); no other control, no bidirectional override.
    value = plain_text(value)
    return (value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
            .replace("\n", "\\n"))


def escape_line(value: str) -> str:
    """A value shown on one line (a name, an address): no line break at all."""
    return escape(one_line(value))


def structured(*components: str) -> str:
    """A compound value (N, ADR, ORG): each component escaped, joined by ``;``."""
    return ";".join(escape_line(c) for c in components)


def fold(line: str) -> str:
    """``line`` split into physical lines of at most 75 octets, CRLF-terminated.

    Continuation lines start with one space, which counts in their 75 octets.
    """
    if len(line) <= MAX_OCTETS // 4 or len(line.encode("utf-8")) <= MAX_OCTETS:
        return line + CRLF
    parts: list[str] = []
    start, size, limit = 0, 0, MAX_OCTETS
    for i, ch in enumerate(line):
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            parts.append(line[start:i])
            start, size, limit = i, 0, MAX_OCTETS - 1
        size += n
    parts.append(line[start:])
    return (CRLF + " ").join(parts) + CRLF


def _card(props: list[tuple[str, str]], uid: str) -> str:
    lines = ["BEGIN:VCARD", "VERSION:4.0", f"UID:urn:uuid:{uid}"]
    lines.extend(f"{name}:{value}" for name, value in props if value.strip(";"))
    lines.append("END:VCARD")
    return "".join(fold(line) for line in lines)


def _tel(params: str, e164: str) -> tuple[str, str]:
    # A global tel: URI (RFC 3966), not the national form shown on screen: a phone dials
    # it right from anywhere, from abroad or for an overseas department's +590 number.
    # A number that could not be normalised stays a text value, as typed.
    if e164.startswith("+"):
        return f"TEL;TYPE={params};VALUE=uri", f"tel:{e164}"
    return f"TEL;TYPE={params}", escape_line(e164)


def _address(street: str, postal_code: str, city: str) -> str:
    # post office box; extended address; street; locality; region; postal code; country
    return structured("", "", street, city, "", postal_code, "")


def patient_card(p: PatientRow) -> str:
    props = [
        ("KIND", "individual"),
        ("FN", escape_line(p.display_name)),
        ("N", structured(p.used_name or p.birth_name, p.first_names, "",
                         _CIVILITY.get(p.civility, ""), "")),
    ]
    if p.birth_date:
        props.append(("BDAY", p.birth_date.strftime("%Y%m%d")))
    if p.sex in ("F", "M"):
        props.append(("GENDER", p.sex))
    props.extend(_tel(_PATIENT_TEL.get(kind, "voice"), e164) for kind, e164 in p.phones)
    if p.email:
        props.append(("EMAIL;TYPE=home;PREF=1", escape_line(p.email)))
    if p.email_other:
        props.append(("EMAIL", escape_line(p.email_other)))
    if p.address_line or p.postal_code or p.city:
        props.append(("ADR;TYPE=home", _address(p.address_line, p.postal_code, p.city)))
    alert = f"Alerte : {one_line(p.alert)}" if p.alert else ""  # one line, before the note
    note = "\n".join(x for x in (alert, p.admin_note) if x)
    props.append(("NOTE", escape(note)))
    return _card(props, p.id)


def contact_card(c: ContactRow) -> str:
    is_org = not c.first_name
    props = [("KIND", "org" if is_org else "individual"), ("FN", escape_line(c.display_name))]
    if is_org:
        units = [c.organisation, c.name] if c.organisation and c.organisation != c.name else [c.name]
        props.append(("ORG", structured(*units)))
    else:
        props.append(("N", structured(c.name, c.first_name, "", c.title, "")))
        props.append(("ORG", structured(c.organisation)))
    props.append(("TITLE", escape_line(c.specialty)))
    props.append(("CATEGORIES", escape_line(CATEGORY.get(c.category, c.category))))
    for params, number in (("work,voice", c.phone), ("work,voice", c.phone2), ("fax", c.fax)):
        if number:
            props.append(_tel(params, number))
    if c.email:
        props.append(("EMAIL;TYPE=work;PREF=1", escape_line(c.email)))
    if c.mssante:
        # The secure health messaging address, told apart by an extended type.
        props.append(("EMAIL;TYPE=work,x-mssante", escape_line(c.mssante)))
    if c.address_line or c.postal_code or c.city:
        props.append(("ADR;TYPE=work", _address(c.address_line, c.postal_code, c.city)))
    props.append(("NOTE", escape(c.note)))
    return _card(props, c.id)
