"""Style sheet, icon and Qt's own translations."""

from __future__ import annotations

from importlib.resources import as_file, files

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication


def apply_theme(app: QApplication) -> None:
    """Once per application: setting the style sheet again repolishes every widget alive,
    which is wasted work at best (and has crashed Qt over widgets being torn down)."""
    if app.property("permanence_theme"):
        return
    # Shipped inside the package (app.resources, the top-level resources/ folder of the
    # source tree).
    resources = files("app.resources")
    app.setStyle("Fusion")
    app.setStyleSheet(resources.joinpath("style.qss").read_text(encoding="utf-8"))
    # An installed package is a folder on disk: as_file gives the file itself, which Qt
    # reads again whenever it draws the icon at a new size.
    with as_file(resources.joinpath("permanence.svg")) as icon:
        app.setWindowIcon(QIcon(str(icon)))
    app.setProperty("permanence_theme", True)


def install_qt_translations(app: QApplication, language: str) -> list[QTranslator]:
    """Qt's standard dialogs (buttons, file and print dialogs) in the chosen language."""
    QLocale.setDefault(QLocale(language))
    for old in getattr(app, "_permanence_translators", []):
        app.removeTranslator(old)
    translators = []
    path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name in ("qtbase",):
        translator = QTranslator(app)
        if translator.load(f"{name}_{language}", path):
            app.installTranslator(translator)
            translators.append(translator)
    app._permanence_translators = translators  # keep them alive and removable
    return translators
