"""How strong a new passphrase is, shown while it is typed: a gauge and what to change.

One look wherever a new passphrase is chosen (the setup assistant, an account's reset),
estimated by the one rule the services enforce (``app.services.passphrase_policy``).
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QProgressBar

from app.i18n import _
from app.services.passphrase_policy import Level, Strength, estimate
from app.ui.widgets import label


class StrengthGauge:
    """``bar`` and ``text``, two widgets for a form (``add_rows``)."""

    def __init__(self) -> None:
        self.bar = QProgressBar()
        self.bar.setObjectName("PassphraseStrength")
        self.bar.setRange(0, 100)
        self.bar.setTextVisible(False)
        self.text = label("", "Hint", wrap=True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)

    def add_rows(self, form: QFormLayout) -> None:
        form.addRow(_("Strength"), self.bar)
        form.addRow("", self.text)

    def show(self, passphrase: str, *, context: Iterable[str] = ()) -> Strength | None:
        """Estimate ``passphrase`` and show it; None (and nothing shown) when empty."""
        strength = estimate(passphrase, context=context) if passphrase else None
        level = strength.level if strength else None
        self.bar.setValue(round(100 * strength.fraction) if strength is not None else 0)
        self.bar.setProperty("level", {Level.WEAK: "weak", Level.MEDIUM: "medium",
                                       Level.STRONG: "strong"}.get(level, ""))
        self.bar.style().unpolish(self.bar)
        self.bar.style().polish(self.bar)
        if strength is None:
            self.text.setText("")
            return None
        shown = _("Strength: {level}.").format(level=strength.label)
        if strength.advice:
            shown += " " + strength.advice
        self.text.setText(shown)
        return strength
