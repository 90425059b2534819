"""The launch reference: a bare PySide6 window, shown, then READY once the loop is idle.

Run the same way as the application (``python -m bench.bare_window``) so the interpreter
start-up and the Qt platform plugin load are counted in both.
"""

from __future__ import annotations

import sys
import time

_STARTED = time.perf_counter()

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow  # noqa: E402


def main() -> int:
    app = QApplication(sys.argv)
    window = QMainWindow()
    window.setWindowTitle("Permanence — reference window")
    window.setCentralWidget(QLabel("Reference"))
    window.resize(1200, 800)
    window.show()

    def ready() -> None:
        print(f"READY {time.perf_counter() - _STARTED:.3f}", flush=True)
        window.close()
        app.quit()

    QTimer.singleShot(0, ready)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
