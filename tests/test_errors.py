"""One error family: every failure a user may read has a translated message, a code and
an exit code, and the command line prints it in one place."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import date

import pytest

import app
from app.errors import ExitCode, MessageError, PermanenceError
from app.i18n import _, set_language
from app.services.agenda.ics import InvalidRange, UnknownPractitioner
from app.services.dates import InvalidDate
from app.services.errors import Cancelled, ConcurrentEdit, NotFound, ValidationError
from app.services.exporting.files import DestinationExists, ExportError
from app.services.phones import InvalidPhone, parse_phone
from app.storage import errors as storage_errors

# Raised only for a programming mistake (writing around the unit of work): never a
# user's to read, so deliberately outside the family.
NOT_FOR_USERS = {"app.storage.uow.WriteRefused"}


def exception_classes():
    found = []
    for info in pkgutil.walk_packages(app.__path__, "app."):
        if info.name.startswith(("app.ui", "app.storage.migrations")) \
                or info.name == "app.__main__":
            continue  # Qt; Alembic's scripts run only inside a migration
        module = importlib.import_module(info.name)
        for _name, obj in inspect.getmembers(module, inspect.isclass):
            # A private exception (leading underscore) is control flow inside its module,
            # turned into one of the family before it leaves.
            if issubclass(obj, BaseException) and obj.__module__ == info.name \
                    and not obj.__name__.startswith("_"):
                found.append(obj)
    return found


def test_every_exception_of_the_program_belongs_to_the_family():
    outside = [f"{c.__module__}.{c.__qualname__}" for c in exception_classes()
               if not issubclass(c, PermanenceError)]
    assert sorted(set(outside) - NOT_FOR_USERS) == []


def test_codes_are_stable_identifiers_and_exit_codes_are_documented():
    for cls in exception_classes():
        if issubclass(cls, PermanenceError):
            assert cls.code and cls.code.replace("_", "").isalnum(), cls
            assert cls.exit_code in set(ExitCode), cls


def invalid_phone() -> InvalidPhone:
    try:
        parse_phone("06 00")
    except InvalidPhone as exc:
        return exc
    raise AssertionError("06 00 accepted")


# Each one made in the language being checked, as messages written at the place of the
# failure are.
SAMPLES = {
    "NotFound": lambda: NotFound("x"),
    "ConcurrentEdit": ConcurrentEdit,
    "Cancelled": Cancelled,
    "InvalidDate": lambda: InvalidDate("31/02/2026", exists=False),
    "UnknownPractitioner": lambda: UnknownPractitioner("0190-xyz"),
    "InvalidRange": lambda: InvalidRange(date(2026, 3, 2), date(2026, 3, 1)),
    "InvalidPhone": invalid_phone,
    **{name: (lambda name=name: getattr(storage_errors, name)("detail"))
       for name in ("WrongSecretError", "NoPassphraseError", "EnvelopeError",
                    "CorruptDatabaseError", "NewerSchemaError", "ProfileLockedError")},
}
FRAGMENTS = {"Cancelled": ("arrêt",), "ConcurrentEdit": ("modifié",),
             "WrongSecretError": ("phrase de passe",), "InvalidPhone": ("numéro",),
             "UnknownPractitioner": ("praticien",), "NotFound": ("n'existe plus",)}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_message_is_in_the_users_language(name, french_message):
    text = french_message(lambda: SAMPLES[name]().user_message, *FRAGMENTS.get(name, ("",)))
    assert "Traceback" not in text and "detail" not in text


def test_a_validation_error_says_every_field():
    error = ValidationError({"a": "Premier problème.", "b": "Second problème."})
    assert error.user_message == "Premier problème.\nSecond problème."


def test_a_message_error_keeps_the_words_it_was_given():
    error = ExportError("Le dossier /x n'existe pas.")
    assert isinstance(error, MessageError) and error.user_message == "Le dossier /x n'existe pas."
    assert isinstance(DestinationExists("y"), ExportError)
    assert DestinationExists("y").code == "destination_exists"


def test_the_base_has_a_generic_message_that_names_nothing():
    set_language("en")
    try:
        assert PermanenceError("secret value").user_message == _(
            "The operation could not be completed; nothing was changed.")
    finally:
        set_language("fr")
