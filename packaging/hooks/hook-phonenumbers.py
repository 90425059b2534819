"""Replaces the contributed hook for phonenumbers: the numbering plans of every region
(phonenumbers.data, loaded by region code) and the short numbers, but not the
geocoder's, carriers' and time zones' tables (40 MB) that the program never uses."""

from PyInstaller.utils.hooks import collect_submodules

UNUSED = ("phonenumbers.geodata", "phonenumbers.geocoder", "phonenumbers.carrier",
          "phonenumbers.carrierdata", "phonenumbers.timezone", "phonenumbers.tzdata")


def _used(name: str) -> bool:
    return not any(name == u or name.startswith(u + ".") for u in UNUSED)


hiddenimports = collect_submodules("phonenumbers", filter=_used)
excludedimports = list(UNUSED)
