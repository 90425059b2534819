"""Screens follow what the store commits, whoever wrote it: no screen announces its own
writes, a list reads again only when what it shows has changed, and a card open on
screen shows another's change to it."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication

import app.ui
from app.models import Contact, Patient, kinds
from app.services.directory import ContactInput, DirectoryService
from app.services.patients import PatientInput, PatientService
from app.ui.change_bus import ChangeBus
from tests.ui.card_keys import edit_card


def names(view) -> list[str]:
    return [view.model.index(r, 0).data() for r in range(view.model.rowCount())]


def counting(view) -> list[int]:
    """Each search the view runs from now on."""
    runs: list[int] = []
    search = view._service.search  # noqa: SLF001 - counted, not replaced

    def counted(*args, **kwargs):
        runs.append(1)
        return search(*args, **kwargs)

    view._service.search = counted  # noqa: SLF001
    return runs


def test_the_patient_list_follows_writes_made_elsewhere(qtbot, main_window, workspace):
    main_window.show_patients()
    view = main_window.patients
    assert len(names(view)) == 5
    view.table.selectRow(names(view).index("MARTIN Paul"))
    runs = counting(view)

    # Another service over the same store (as the command line builds one).
    PatientService(workspace.store, principal=workspace.principal, clock=workspace.clock).create(
        PatientInput(birth_name="Abadie", first_names="Louise"))
    assert names(view)[0] == "ABADIE Louise" and len(runs) == 1
    assert view.selected_id() is not None and names(view)[
        view.table.currentIndex().row()] == "MARTIN Paul"  # where the secretary was

    # A plain unit of work on the store.
    with workspace.store.unit_of_work(actor_id=workspace.user_id) as uow:
        uow.session.add(Patient(birth_name="Zidane", first_names="Yazid", sort_key="zidane yazid"))
    assert names(view)[-1] == "ZIDANE Yazid" and len(runs) == 2

    # What the list does not show is not read again for.
    DirectoryService(workspace.store, principal=workspace.principal, clock=workspace.clock).create(
        ContactInput(name="Martin", first_name="Sophie", category="gp"))
    workspace.patients.get(view.selected_id())  # an audited read writes no row
    assert len(runs) == 2


def test_the_directory_list_follows_contacts_and_only_them(qtbot, main_window, workspace):
    main_window.nav.setCurrentRow(main_window.pages.indexOf(main_window.directory))
    view = main_window.directory
    assert names(view) == []
    runs = counting(view)
    workspace.patients.create(PatientInput(birth_name="Abadie", first_names="Louise"))
    assert runs == []
    with workspace.store.unit_of_work(actor_id=workspace.user_id) as uow:
        uow.session.add(Contact(name="Laboratoire Ravel", sort_key="laboratoire ravel",
                                category="lab"))
    assert names(view) == ["Laboratoire Ravel"] and len(runs) == 1


def test_a_card_on_screen_shows_another_users_change_but_not_its_own(qtbot, main_window,
                                                                     workspace):
    main_window.show_patients()
    view = main_window.patients
    pid = workspace.patients.search("dupont")[0].id
    view.form.load(workspace.patients.get(pid))
    assert view.form.city.text() == "Lyon"

    # Another user (or, later, a peer) changes the card: it shows the new town.
    with workspace.store.unit_of_work(actor_id="another-user") as uow:
        uow.session.get(Patient, pid).city = "Tours"
    assert view.form.city.text() == "Tours" and not view.form.is_dirty

    # The card's own save: nothing read again behind it.
    edit_card(qtbot, view.form)
    view.form.city.clear()
    qtbot.keyClicks(view.form.city, "Blois")
    reads = []
    get = workspace.patients.get
    workspace.patients.get = lambda *a, **k: (reads.append(a), get(*a, **k))[1]
    assert view.form.save()
    assert reads == [] and view.form.city.text() == "Blois"
    # Nor for a change of this user's own elsewhere (its screen shows it already).
    with workspace.store.unit_of_work(actor_id=workspace.user_id) as uow:
        uow.session.get(Patient, pid).admin_note = "Vu au guichet"
    assert reads == [] and not view.form.is_dirty

    # Edits in progress are never overwritten.
    edit_card(qtbot, view.form)
    view.form.city.clear()
    qtbot.keyClicks(view.form.city, "Amboise")
    with workspace.store.unit_of_work(actor_id="another-user") as uow:
        uow.session.get(Patient, pid).email = "jean.dupont@exemple.fr"
    assert view.form.city.text() == "Amboise" and view.form.is_dirty
    view.form.revert()


def test_a_commit_on_a_worker_thread_is_told_on_the_qt_thread(qtbot, workspace):
    bus = ChangeBus(workspace.store, workspace.initiator)
    heard = []
    bus.changed.connect(lambda changes: heard.append((changes, QThread.currentThread())))

    def write() -> None:
        workspace.patients.create(PatientInput(birth_name="Fil", first_names="Ariane"))

    worker = threading.Thread(target=write)
    worker.start()
    worker.join()
    assert heard == []  # queued: not called in the worker
    qtbot.waitUntil(lambda: len(heard) == 1)
    changes, thread = heard[0]
    assert thread is QApplication.instance().thread()
    assert changes.touches(kinds.PATIENT) and bus.is_own(changes)


def test_a_bus_closed_or_deleted_hears_nothing_more(qtbot, workspace):
    bus = ChangeBus(workspace.store, workspace.initiator)
    heard = []
    bus.changed.connect(heard.append)
    bus.close()
    workspace.patients.create(PatientInput(birth_name="A", first_names="B"))
    assert heard == []
    listeners = len(workspace.store.listeners._listeners)  # noqa: SLF001
    other = ChangeBus(workspace.store, workspace.initiator)
    assert len(workspace.store.listeners._listeners) == listeners + 1  # noqa: SLF001
    other.deleteLater()
    qtbot.waitUntil(lambda: len(workspace.store.listeners._listeners) == listeners)  # noqa: SLF001


def test_no_screen_announces_changes_by_hand():
    """Only the bus emits its signal, and it has nothing to publish with."""
    assert not hasattr(ChangeBus, "publish")
    root = Path(app.ui.__file__).parent
    by_hand = re.compile(r"\.publish\(|bus\.changed\.emit|_from_worker")
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if p.name != "change_bus.py" and by_hand.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
