"""One window for several practices: a remote secretariat's workstation.

Each practice is a profile opened by its own sign-in, with its own ``GuiSession``: its
main window (embedded here, one page of a stack), its idle lock (scoped to it: locking
one practice leaves the others usable), its sync, its phone channel. The switcher on
top shows every open practice by its name and colour (Ctrl+Shift+1…9), the band of the
same colour tops each of its pages, and the lead's console (Ctrl+Shift+0) counts what
waits in each. "Open a practice…" adds another profile to the window.

The window's own phone channel (``CallRouter``) routes a call announced without a
profile to the practice that owns the line rung, and asks which practice takes a call
on an unknown line (``PracticeChooser``). Permanence started again by the same user
hands over to this window through that channel (``show_requested``) instead of opening
a second one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QMainWindow,
    QMenu,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.services.practice_lines import (
    PALETTE,
    first_free_colour,
    known_profiles,
    practice_colour,
    practice_lines,
    profile_name,
    register_profile,
    remember_profile,
    set_practice_colour,
)
from app.ui import dialer as dialer_module
from app.ui.call_router import CallRouter
from app.ui.lead_console import LeadConsole
from app.ui.plain import button_text, message_box
from app.ui.widgets import label

MAX_SHORTCUTS = 9
GEOMETRY_KEY = "shell/geometry"  # beside the practice window's "main/geometry"
COLOUR_NAMES = {  # the palette as the colour menu names it
    "#2563eb": "Blue", "#16a34a": "Green", "#d97706": "Amber", "#9333ea": "Purple",
    "#dc2626": "Red", "#0891b2": "Cyan", "#db2777": "Pink", "#4d7c0f": "Olive",
}


def colour_label(colour: str) -> str:
    return {"Blue": _("Blue"), "Green": _("Green"), "Amber": _("Amber"),
            "Purple": _("Purple"), "Red": _("Red"), "Cyan": _("Cyan"), "Pink": _("Pink"),
            "Olive": _("Olive")}[COLOUR_NAMES[colour]]


def button_style(colour: str, current: bool) -> str:
    border = "3px solid #111827" if current else "3px solid transparent"
    return (f"QPushButton {{ background: {colour}; color: white; font-weight: bold; "
            f"border: {border}; border-radius: 4px; padding: 4px 12px; }}")


class PracticeShell(QMainWindow):
    """``opener(path)``: opens the profile at ``path`` in this window (its sign-in),
    True if it did; given by the application's start-up."""

    switched = Signal(object)  # the session shown now (None: the console)

    def __init__(self, opener: Callable[[Path], bool] | None = None, *,
                 transport: str | None = None, persist: bool = True, parent=None) -> None:
        """``persist``: keep the practices' colours and the workstation's list of
        practices (False for the screenshots, which leave the profiles untouched)."""
        super().__init__(parent)
        self.sessions: list = []
        self._opener = opener
        self._persist = persist
        self._drawn: dict[int, str] = {}  # colours drawn, not kept (persist False)
        self._buttons: dict[int, QPushButton] = {}
        self._window_state: QSettings | None = None
        self.resize(1280, 860)
        self.setWindowTitle("Permanence")

        self.bar = QWidget()
        self.bar.setObjectName("PracticeSwitcher")
        self._bar_layout = QHBoxLayout(self.bar)
        self._bar_layout.setContentsMargins(8, 4, 8, 4)
        self.bar_title = label("", "Muted")
        self._bar_layout.addWidget(self.bar_title)
        self._bar_layout.addStretch()
        self.console_button = QPushButton()
        self.console_button.clicked.connect(self.show_console)
        self._bar_layout.addWidget(self.console_button)
        self.open_button = QToolButton()
        self.open_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.open_menu = QMenu(self.open_button)
        self.open_menu.aboutToShow.connect(self._fill_open_menu)
        self.open_button.setMenu(self.open_menu)
        self.open_button.setVisible(opener is not None)
        self._bar_layout.addWidget(self.open_button)

        self.stack = QStackedWidget()
        self.console = LeadConsole(self)
        self.console.open_requested.connect(self.open_page)
        self.stack.addWidget(self.console)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.bar)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(body)

        for n in range(1, MAX_SHORTCUTS + 1):
            shortcut = QShortcut(QKeySequence(f"Ctrl+Shift+{n}"), self)
            shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
            shortcut.activated.connect(lambda i=n - 1: self.switch_to_index(i))
        console_keys = QShortcut(QKeySequence("Ctrl+Shift+0"), self)
        console_keys.setContext(Qt.ShortcutContext.ApplicationShortcut)
        console_keys.activated.connect(self.show_console)

        self._texts()
        self.router = CallRouter(self, transport=transport, parent=self)
        self.router.choice_needed.connect(self.ask_practice)
        self.router.routed.connect(lambda session, _ref: self.switch_to(session))
        self.router.show_requested.connect(self.show_requested,
                                           Qt.ConnectionType.QueuedConnection)
        self.choosers: list[PracticeChooser] = []

    def _texts(self) -> None:
        self.bar_title.setText(_("Practices:"))
        self.console_button.setText(_("Console (Ctrl+Shift+0)"))
        self.console_button.setToolTip(_("Calls waiting, callbacks overdue and urgent "
                                         "messages, per practice"))
        self.open_button.setText(_("Open a practice…"))

    def retranslate(self, except_for=None) -> None:
        """A practice's Réglages chose another language: the window's own words and the
        other practices' pages in it (a locked practice follows once unlocked)."""
        self._texts()
        for session in list(self.sessions):
            if session is not except_for:
                session.rebuild()
        self.console.retranslate()
        self._refresh()

    def keep_geometry(self, window_state: QSettings) -> None:
        """Take the size and place kept in ``window_state`` (the first practice's
        window.ini: geometry only, nothing of a patient), and keep them there on close."""
        self._window_state = window_state
        geometry = window_state.value(GEOMETRY_KEY)
        if geometry is not None:
            self.restoreGeometry(geometry)

    def set_opener(self, opener: Callable[[Path], bool]) -> None:
        self._opener = opener
        self.open_button.setVisible(True)

    # -- the practices ------------------------------------------------------------
    def colour_of(self, session) -> str:
        """The practice's colour: chosen on this workstation, else the first free one
        (kept, so that it stays the same at the next start)."""
        root = session.workspace.paths.root
        colour = self._drawn.get(id(session)) or practice_colour(root)
        if not colour:
            taken = [self.session_colour(s) for s in self.sessions if s is not session]
            colour = first_free_colour(taken)
            if self._persist:
                try:
                    set_practice_colour(root, colour)
                except OSError:
                    pass  # a colour is not worth a failure: the same one is drawn next time
            self._drawn[id(session)] = colour
        return colour

    def place(self, session, window) -> None:
        """Show ``window``, the (new) main window of ``session``: a practice added, or its
        window rebuilt (a language, rights, another person signed in)."""
        old = self._page_of(session)
        window.setWindowFlags(Qt.WindowType.Widget)
        # As a window of its own its size hint binds nothing; here it would make the
        # whole window taller than the screen (Réglages is long): its pages scroll.
        window.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        window._shell_session = session
        if session not in self.sessions:
            self.sessions.append(session)
            self._add_button(session)
            self._remember(session)
            self.console.watch(session)
        else:
            self.console.watch(session)  # its change bus may be a new one
        self.stack.addWidget(window)
        if old is not None and old is not window and shiboken6.isValid(old):
            self.stack.removeWidget(old)
        window.windowTitleChanged.connect(lambda _t: self._refresh())
        window.renamed.connect(lambda name, s=session: self._renamed(s, name))
        self.switch_to(session)

    def _remember(self, session) -> None:
        if not self._persist:
            return
        ws = session.workspace
        try:
            register_profile(ws.paths.root)
            # The copy the command line reads without the key, fresh at each opening.
            remember_profile(ws.paths.root, name=ws.practice.name, lines=practice_lines(ws))
        except OSError:
            pass  # the list only helps the next start and the command line

    def _renamed(self, session, name: str) -> None:
        if not self._persist:
            self._refresh()
            return
        try:
            remember_profile(session.workspace.paths.root, name=name)
        except OSError:
            pass
        self._refresh()

    def _page_of(self, session):
        for i in range(self.stack.count()):
            widget = self.stack.widget(i)
            if getattr(widget, "_shell_session", None) is session:
                return widget
        return None

    def _add_button(self, session) -> None:
        button = QPushButton()
        button.setObjectName("PracticeButton")
        button.setCheckable(True)
        button.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        button.customContextMenuRequested.connect(
            lambda _pos, s=session, b=button: self._colour_menu(s, b))
        button.clicked.connect(lambda _c=False, s=session: self.switch_to(s))
        self._buttons[id(session)] = button
        self._bar_layout.insertWidget(len(self._buttons), button)

    def _colour_menu(self, session, button) -> QMenu:
        menu = QMenu(button)
        menu.setTitle(_("Colour"))
        for colour in PALETTE:
            action = menu.addAction(colour_label(colour))
            action.triggered.connect(lambda _c=False, s=session, c=colour: self.set_colour(s, c))
        menu.popup(button.mapToGlobal(button.rect().bottomLeft()))
        return menu

    def set_colour(self, session, colour: str) -> None:
        if colour not in PALETTE:
            raise ValueError(colour)
        if self._persist:
            set_practice_colour(session.workspace.paths.root, colour)
        self._drawn[id(session)] = colour
        window = session.window
        window.practice_band.setStyleSheet(
            f"background: {colour}; color: white; font-weight: bold; padding: 4px;")
        self._refresh()
        self.console.refresh()

    def session_colour(self, session) -> str:
        return (self._drawn.get(id(session)) or practice_colour(session.workspace.paths.root)
                or PALETTE[0])

    # -- switching ----------------------------------------------------------------
    def current(self):
        widget = self.stack.currentWidget()
        return getattr(widget, "_shell_session", None)

    def dialling_session(self):
        """The practice a ``tel:`` link dials from: the one shown, or with the console
        shown, the last one shown (its dialer stays installed); None if none."""
        shown = self.current()
        if shown is not None:
            return shown
        dialer = dialer_module.current()
        return next((s for s in self.sessions if dialer is not None
                     and getattr(getattr(s, "telephony", None), "dialer", None) is dialer),
                    None)

    def switch_to(self, session) -> None:
        window = session.window
        if window is None or self.stack.indexOf(window) < 0:
            return
        self.stack.setCurrentWidget(window)
        telephony = getattr(session, "telephony", None)
        if telephony is not None:
            dialer_module.install(telephony.dialer)  # click-to-dial for this practice
        self._refresh()
        self.switched.emit(session)

    def switch_to_index(self, index: int) -> None:
        if 0 <= index < len(self.sessions):
            self.switch_to(self.sessions[index])

    def show_console(self) -> None:
        self.console.refresh()
        self.stack.setCurrentWidget(self.console)
        self._refresh()
        self.switched.emit(None)

    def open_page(self, session, page: str) -> None:
        """A row of the console: that practice, on its calls or its messages."""
        self.switch_to(session)
        window = session.window
        if window.is_locked:
            return
        if page == "messages":
            window.show_messages()
        else:
            window.show_page(window.calls)

    def _refresh(self) -> None:
        shown = self.current()
        for n, session in enumerate(self.sessions, start=1):
            button = self._buttons.get(id(session))
            if button is None:
                continue
            window = session.window
            locked = bool(window is not None and shiboken6.isValid(window) and window.is_locked)
            name = session.workspace.practice.name
            text = ("\U0001F512 " if locked else "") + name
            button.setText(button_text(text))
            button.setToolTip(_("{practice} (Ctrl+Shift+{n}); right click: its colour").format(
                practice=name, n=n) if n <= MAX_SHORTCUTS else name)
            button.setChecked(session is shown)
            button.setStyleSheet(button_style(self.session_colour(session), session is shown))
        self.console_button.setChecked(shown is None)
        if shown is None:
            self.setWindowTitle(_("Permanence — console"))
        elif shown.window.is_locked:
            self.setWindowTitle("Permanence")
        else:
            self.setWindowTitle(f"Permanence — {shown.workspace.practice.name}")

    # -- Permanence started again --------------------------------------------------------
    def bring_forward(self) -> None:
        self.showNormal() if self.isMinimized() else self.show()
        self.raise_()
        self.activateWindow()

    def show_requested(self, profile: str, dial: str) -> None:
        """Permanence started again by this user (``permanence``, a tel: link): this
        window comes forward, with the practice asked for (opened, with its sign-in, if
        it is not open yet), and dials the link given."""
        self.bring_forward()
        if profile and not self.open_profile(Path(profile)):
            return
        shown = self.dialling_session()
        if dial and not (shown is not None and shown.window.is_locked):
            dialer_module.dial_number(dial)

    # -- opening another practice ---------------------------------------------------
    def _fill_open_menu(self) -> None:
        self.open_menu.clear()
        open_roots = {s.workspace.paths.root.resolve() for s in self.sessions}
        for root in known_profiles():
            if root.resolve() in open_roots:
                continue
            name = profile_name(root) or root.name
            action = self.open_menu.addAction(button_text(name))
            action.setToolTip(str(root))
            action.triggered.connect(lambda _c=False, r=root: self.open_profile(r))
        if self.open_menu.actions():
            self.open_menu.addSeparator()
        other = self.open_menu.addAction(_("Another profile folder…"))
        other.triggered.connect(self._choose_folder)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _("The practice's profile folder"))
        if folder:
            self.open_profile(Path(folder))

    def open_profile(self, root: Path) -> bool:
        """Add the practice of ``root`` to the window (its own sign-in); an open one is
        shown instead."""
        root = Path(root)
        for session in self.sessions:
            if session.workspace.paths.root.resolve() == root.resolve():
                self.switch_to(session)
                return True
        if self._opener is None:
            return False
        return bool(self._opener(root))

    # -- calls on an unknown line -----------------------------------------------------
    def ask_practice(self, ref: str, line: str) -> PracticeChooser:
        chooser = PracticeChooser(self, line)
        chooser.chosen.connect(lambda session: self._chosen(ref, session))
        self.choosers.append(chooser)
        chooser.open()
        return chooser

    def _chosen(self, ref: str, session) -> None:
        self.choosers = [c for c in self.choosers if c.isVisible()]
        for answer in self.router.choose(ref, session):
            if answer.get("exit"):
                message_box(_icon_warning(), "Permanence",
                            "\n".join(answer.get("stderr") or []), self).exec()
                break
        self.switch_to(session)

    # -- closing -----------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        # As the person left it, even if a practice holds the closing back (a call, an
        # unsaved card, the day's backup).
        if self._window_state is not None:
            self._window_state.setValue(GEOMETRY_KEY, self.saveGeometry())
            self._window_state.sync()
        for session in list(self.sessions):
            window = session.window
            if window is not None and shiboken6.isValid(window) and window.isVisible() \
                    and not window.close():
                self.switch_to(session)
                event.ignore()
                return
        self.router.stop()
        super().closeEvent(event)


def _icon_warning():
    from PySide6.QtWidgets import QMessageBox

    return QMessageBox.Icon.Warning


class PracticeChooser(QDialog):
    """Which practice takes a call on a line none declares: one button per practice,
    in its colour. A call is never dropped: Esc and the close button do nothing."""

    chosen = Signal(object)

    def __init__(self, shell: PracticeShell, line: str) -> None:
        super().__init__(shell)
        self.setObjectName("PracticeChooser")
        self.setWindowTitle(_("Which practice takes this call?"))
        layout = QVBoxLayout(self)
        text = (_("A call rings on {line}, a line no practice open here declares. Which "
                  "practice takes it?").format(line=line) if line else
                _("A call rings without its line. Which practice takes it?"))
        layout.addWidget(label(text, "PageTitle", wrap=True))
        self.buttons: list[QPushButton] = []
        for n, session in enumerate(shell.sessions, start=1):
            button = QPushButton(button_text(session.workspace.practice.name))
            button.setStyleSheet(button_style(shell.session_colour(session), False))
            button.setMinimumHeight(40)
            if n <= MAX_SHORTCUTS:
                button.setShortcut(QKeySequence(str(n)))
                button.setToolTip(_("Key {n}").format(n=n))
            button.clicked.connect(lambda _c=False, s=session: self._choose(s))
            layout.addWidget(button)
            self.buttons.append(button)
        self.setMinimumWidth(420)

    def _choose(self, session) -> None:
        self.chosen.emit(session)
        self.accept()

    def reject(self) -> None:
        pass  # the call waits for its practice

    def closeEvent(self, event) -> None:
        event.ignore()
