"""What the secretary feels on the Patients screen, in a fresh offscreen process:
``python -m bench.ui_latency DIR RUNS``.

- keystroke to repainted list: each query of the benchmark set is typed one key at a
  time into the global search box; each key is timed from the key event to the end of
  a synchronous repaint of the result table (search, model reset, layout, paint);
- opening a card: Enter on a result, timed to the end of the card's repaint (the
  audited read, the form filled in, the history pane loaded).

Unlocks with PERMANENCE_PASSPHRASE and prints one JSON line of timings in seconds.
The profile is written to (each opened card is an audited read): give it a copy.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    root, runs = Path(sys.argv[1]), int(sys.argv[2])
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from app.clock import SystemClock
    from app.services.settings import WorkstationSettings
    from app.services.workspace import open_workspace
    from app.storage.profile import ProfilePaths, unlock_key
    from app.ui.change_bus import ChangeBus
    from app.ui.main_window import MainWindow
    from app.ui.theme import apply_theme
    from bench.queries import build_queries

    app = QApplication([])
    apply_theme(app)
    paths = ProfilePaths(root)
    key = unlock_key(paths, passphrase=os.environ["PERMANENCE_PASSPHRASE"])
    ws = open_workspace(paths, key, clock=SystemClock())
    state = QSettings(str(root / "bench-window.ini"), QSettings.Format.IniFormat)
    window = MainWindow(ws, WorkstationSettings(paths.workstation_settings),
                        ChangeBus(ws.store, ws.initiator), state)
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    search, view = window.search, window.patients
    keystrokes: list[float] = []
    opens: list[float] = []
    try:
        queries = build_queries(ws.store)
        for run in range(runs + 1):  # the first pass warms the caches and is not kept
            for q in queries:
                search.clear()
                app.processEvents()
                for ch in q.text:
                    started = time.perf_counter()
                    search.insert(ch)  # as a typed key: textChanged, then the search
                    view.table.viewport().repaint()
                    elapsed = time.perf_counter() - started
                    if run:
                        keystrokes.append(elapsed)
                if view.model.rowCount():
                    view.table.setFocus()
                    started = time.perf_counter()
                    QTest.keyClick(view.table, Qt.Key.Key_Return)
                    view.form.repaint()
                    elapsed = time.perf_counter() - started
                    if run:
                        opens.append(elapsed)
                    view.form.new_patient()
    finally:
        window.close()
        ws.close()
    print(json.dumps({"keystroke": keystrokes, "open_card": opens}), flush=True)
    # Skip interpreter teardown: Qt objects destroyed in arbitrary order can crash it,
    # and the figures are already out.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
