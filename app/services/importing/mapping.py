"""Which column of the file goes into which field of the patient card.

Inferred from the usual French and English headers of medical and office software
(accents, case and punctuation folded), and overridable by the caller.
"""

from __future__ import annotations

import re

from app.i18n import _, pgettext
from app.models.text import fold

# Field keys, in the order they are offered to the user.
FIELDS = (
    "birth_name", "used_name", "first_names", "birth_date", "sex", "civility",
    "phone", "phone_mobile", "phone_home", "phone_work", "phone_other",
    "email", "email_other", "address_line", "postal_code", "city",
    "referring_doctor", "admin_note", "alert",
    "preferred_channel", "call_not_before", "call_not_after", "reminder_consent",
)
# Several columns may feed these (two address lines, a mobile and a second mobile...).
REPEATABLE = frozenset({"phone", "phone_mobile", "phone_home", "phone_work", "phone_other",
                        "address_line", "admin_note"})
REQUIRED = ("birth_name", "first_names")
# A file with only the name in use takes it as the birth name too (see ``values``).
_STANDS_IN = {"birth_name": "used_name"}

Mapping = list  # one entry per column of the file: a field key, or None (ignored)


def field_label(key: str) -> str:
    labels = {
        "birth_name": _("Birth name"), "used_name": _("Used name"),
        "first_names": _("First names"), "birth_date": _("Birth date"),
        "sex": _("Sex"), "civility": pgettext("patient", "Title"),
        "phone": _("Phone (mobile or landline by its number)"),
        "phone_mobile": _("Mobile phone"), "phone_home": _("Home phone"),
        "phone_work": _("Work phone"), "phone_other": _("Other phone"), "email": _("E-mail"),
        "email_other": _("Other e-mail"), "address_line": _("Address"),
        "postal_code": _("Postal code"), "city": _("Town"),
        "referring_doctor": _("Referring doctor"), "admin_note": _("Administrative note"),
        "alert": _("Alert"), "preferred_channel": _("Preferred contact"),
        "call_not_before": _("Call not before"), "call_not_after": _("Call not after"),
        "reminder_consent": _("Agrees to appointment reminders"),
    }
    return labels.get(key, key)


# Folded headers without spaces or punctuation -> field.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "birth_name": ("nom", "nomdenaissance", "nomnaissance", "nomdenaiss", "nomnaiss",
                   "nomdejeunefille", "nomjeunefille", "nomjf", "nomdejf", "njf",
                   "jeunefille", "nompatronymique", "patronyme", "nomdefamille", "lastname",
                   "surname", "familyname", "birthname", "maidenname", "name", "nompatient"),
    "used_name": ("nomdusage", "nomusage", "nomusuel", "nommarital", "nomdepouse",
                  "nomepouse", "nommarie", "usedname", "marriedname", "preferredname",
                  "preferredlastname"),
    "first_names": ("prenom", "prenoms", "prenomsusuels", "firstname", "firstnames",
                    "givenname", "givennames", "forename", "forenames"),
    "birth_date": ("datedenaissance", "datenaissance", "datedenaiss", "datenaiss", "ddn",
                   "naissance", "nele", "nee", "neele", "nesle", "birthdate", "dateofbirth",
                   "dob", "birthday"),
    "sex": ("sexe", "sex", "gender", "genre"),
    "civility": ("civilite", "civ", "titre", "title", "civility", "salutation"),
    "phone": ("telephone", "tel", "phone", "telephone1", "tel1", "phonenumber", "numero",
              "numerodetelephone", "telephone2", "tel2"),
    "phone_mobile": ("telportable", "portable", "mobile", "telmobile", "gsm", "cellulaire",
                     "telephoneportable", "telephonemobile", "mobilephone", "cellphone",
                     "cell", "telport", "portable1", "mobile1", "portable2", "mobile2"),
    "phone_home": ("teldomicile", "domicile", "telfixe", "fixe", "telephonedomicile",
                   "telephonefixe", "teldom", "fixe1", "homephone", "landline", "telperso",
                   "telephonepersonnel"),
    "phone_work": ("teltravail", "travail", "telpro", "telprofessionnel", "telbureau",
                   "bureau", "telephonetravail", "telephoneprofessionnel", "workphone",
                   "officephone", "businessphone"),
    "phone_other": ("autretel", "autretelephone", "autrestel", "autrestelephones", "telautre",
                    "autresnumeros", "otherphone", "otherphones"),
    "email": ("email", "mail", "courriel", "mel", "adressemail", "adresseemail",
              "adressecourriel", "emailaddress", "email1", "mail1"),
    "email_other": ("email2", "mail2", "courriel2", "autreemail", "autrecourriel",
                    "emailsecondaire", "otheremail"),
    "address_line": ("adresse", "adresse1", "adresse2", "adresse3", "rue", "voie",
                     "adressepostale", "complementdadresse", "complementadresse", "address",
                     "address1", "address2", "addressline1", "addressline2", "street"),
    "postal_code": ("codepostal", "codepost", "cp", "postalcode", "zip", "zipcode",
                    "postcode"),
    "city": ("ville", "commune", "localite", "city", "town"),
    "referring_doctor": ("medecintraitant", "medecin", "medecinreferent", "medtraitant",
                         "referringdoctor", "doctor", "gp", "familydoctor",
                         "generalpractitioner"),
    "admin_note": ("remarque", "remarques", "note", "notes", "noteadministrative",
                   "notesadministratives", "noteadmin", "commentaire", "commentaires",
                   "observation", "observations", "comment", "comments", "remark", "remarks",
                   "memo"),
    "alert": ("alerte", "alert", "avertissement", "warning"),
    "preferred_channel": ("moyendecontactprefere", "moyendecontact", "contactprefere",
                          "preferredcontact", "preferredchannel"),
    "call_not_before": ("joindreapartirde", "joindreapres", "appelerapartirde", "callafter",
                        "callnotbefore"),
    "call_not_after": ("joindrejusqua", "joindreavant", "appelerjusqua", "callbefore",
                       "callnotafter"),
    "reminder_consent": ("accordrappels", "accordrappel", "consentementrappels",
                         "consentementsms", "rappels", "reminderconsent", "reminders"),
}
_BY_HEADER = {synonym: key for key, synonyms in _SYNONYMS.items() for synonym in synonyms}
_PLURAL_MARK = re.compile(r"\((?:s|e|es)\)")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def header_key(header: str) -> str:
    """"Tél. portable" -> "telportable", "Prénom(s)" -> "prenoms", "E-mail" -> "email"."""
    text = fold(header.strip().lstrip("\ufeff").removeprefix("ï»¿"))
    text = _PLURAL_MARK.sub("s", text)
    return _NOT_ALNUM.sub("", text)


def infer_mapping(headers: list[str]) -> Mapping:
    """A field per header, None where nothing matches or the field is already taken.

    A plain "Nom" beside a "Nom de naissance" or "Nom de jeune fille" column is the name
    in use.
    """
    keys = [header_key(h) for h in headers]
    mapping: Mapping = [_BY_HEADER.get(k) for k in keys]
    specific_birth = any(k not in ("nom", "name") and m == "birth_name"
                         for k, m in zip(keys, mapping))
    if specific_birth:
        for i, k in enumerate(keys):
            if k in ("nom", "name") and "used_name" not in mapping:
                mapping[i] = "used_name"
    taken: set[str] = set()
    for i, field in enumerate(mapping):
        if field is None:
            continue
        if field in taken and field not in REPEATABLE:
            mapping[i] = None
        taken.add(field)
    return mapping


def mapping_problems(mapping: Mapping) -> list[str]:
    """What makes a mapping unusable, in the user's language; empty if it is usable."""
    problems = []
    if not any(mapping):
        problems.append(_("No column of this file was recognised. Choose, for each column, "
                          "the field it holds."))
    for key in REQUIRED:
        if key not in mapping and _STANDS_IN.get(key) not in mapping:
            problems.append(_("Choose the column that holds the field “{field}”.").format(
                field=field_label(key)))
    for key in FIELDS:
        if key not in REPEATABLE and mapping.count(key) > 1:
            problems.append(_("Only one column can hold the field “{field}”.").format(
                field=field_label(key)))
    unknown = sorted({m for m in mapping if m is not None and m not in FIELDS})
    if unknown:
        problems.append(_("Unknown fields: {fields}.").format(fields=", ".join(unknown)))
    return problems
