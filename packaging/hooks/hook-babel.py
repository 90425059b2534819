"""Replaces PyInstaller's hook for babel: its locale data only for the languages the
program speaks (app.i18n.SUPPORTED_LANGUAGES) and root, from which every locale
inherits; the other 35 MB of locales are never read."""

from pathlib import Path

from PyInstaller.utils.hooks import collect_data_files

from app.i18n import SUPPORTED_LANGUAGES

KEPT = ("root", *SUPPORTED_LANGUAGES)


def _kept(src: str) -> bool:
    path = Path(src)
    if path.parent.name != "locale-data":
        return True
    return path.stem.split("_")[0] in KEPT


datas = [(src, dest) for src, dest in collect_data_files("babel") if _kept(src)]

hiddenimports = ["babel.dates", "babel.localedata", "babel.plural", "babel.numbers"]
