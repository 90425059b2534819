"""Style sheet, icon and Qt's own translations."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

RESOURCES = Path(__file__).resolve().parent.parent.parent / "resources"


def apply_theme(app: QApplication) -> None:
    """Once per application: setting the style sheet again repolishes every widget alive,
    which is wasted work at best (and has crashed Qt over widgets being torn down)."""
    if app.property("permanence_theme"):
        return
    app.setStyle("Fusion")
    app.setStyleSheet((RESOURCES / "style.qss").read_text(encoding="utf-8"))
    app.setWindowIcon(QIcon(str(RESOURCES / "permanence.svg")))
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
