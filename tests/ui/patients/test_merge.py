"""Possible duplicates and merging, driven from the Patients screen's "More" menu."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QAbstractItemModelTester

from app.i18n import _
from app.models import Patient
from app.services.patients import PatientInput, PhoneEntry
from app.ui.patients.duplicates_dialog import DuplicatePairModel, DuplicatesDialog
from app.ui.patients.timeline_view import REF_ROLE


def twins(workspace):
    """One woman typed twice: accents, capitals, a used name and another number."""
    kept = workspace.patients.create(PatientInput(
        birth_name="Lefèvre", first_names="Hélène", birth_date="01/07/1975",
        phones=[PhoneEntry("06 21 43 65 87")], city="Lyon", email="helene@example.fr"))
    merged = workspace.patients.create(PatientInput(
        birth_name="LEFEVRE", used_name="Garnier", first_names="helene", birth_date="1/7/1975",
        phones=[PhoneEntry("+33 6 21 43 65 87"), PhoneEntry("07 61 00 11 22")], city="Bron",
        alert="Malentendante"))
    return kept, merged


def open_duplicates(qtbot, window) -> DuplicatesDialog:
    view = window.patients
    (action,) = [a for a in view.tools_menu.actions() if a.text() == _("Possible duplicates…")]
    action.trigger()
    dialog = view.duplicates_dialog
    assert dialog is not None and dialog.isVisible()
    wait_loaded(qtbot, dialog)
    return dialog


def wait_loaded(qtbot, dialog) -> None:
    qtbot.waitUntil(lambda: not dialog.loading, timeout=10_000)


def card(workspace, pid) -> Patient:
    with workspace.store.reader() as s:
        return s.get(Patient, pid)


def names(window) -> list[str]:
    model = window.patients.model
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def test_merge_chosen_fields_from_the_duplicates_dialog_then_undo(qtbot, main_window, workspace):
    kept, merged = twins(workspace)
    main_window.patients.refresh()
    assert "GARNIER né(e) LEFEVRE helene" in names(main_window)
    dialog = open_duplicates(qtbot, main_window)

    assert dialog.model.rowCount() == 1
    assert dialog.model.index(0, 0).data() == "LEFÈVRE Hélène · 01/07/1975 · 06 21 43 65 87"
    assert dialog.model.index(0, 1).data().startswith("GARNIER né(e) LEFEVRE helene · 01/07/1975")
    assert dialog.model.index(0, 2).data() == (_("same name and birth date") + ", "
                                               + _("same phone number"))
    assert not dialog.empty_hint.isVisible()

    # Keyboard: the pair is selected and focused; Enter opens the comparison.
    assert dialog.table.hasFocus()
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    merge = dialog.merge_dialog
    assert merge is not None and merge.isVisible()
    qtbot.waitExposed(merge)
    assert set(merge.radios) == {"birth_name", "used_name", "first_names", "email", "address",
                                 "alert"}
    assert all(k.isChecked() and not m.isChecked() for k, m in merge.radios.values())
    assert merge.radios["alert"][1].text() == "Malentendante"
    assert merge.radios["used_name"][0].text() == _("(empty)")
    assert "07 61 00 11 22" in merge.summary.text()
    # Choose with the keyboard (Space on the other side), and with the mouse.
    used_kept, used_merged = merge.radios["used_name"]
    used_merged.setFocus()
    qtbot.keyClick(used_merged, Qt.Key.Key_Space)
    alert_merged = merge.radios["alert"][1]
    # On the circle, as a user would (a radio button's empty right part is no target).
    qtbot.mouseClick(alert_merged, Qt.MouseButton.LeftButton,
                     pos=QPoint(6, alert_merged.height() // 2))
    assert merge.choices() == {"birth_name": "kept", "used_name": "merged", "first_names": "kept",
                               "email": "kept", "address": "kept", "alert": "merged"}

    qtbot.mouseClick(merge.merge_button, Qt.MouseButton.LeftButton)
    assert not merge.isVisible()
    wait_loaded(qtbot, dialog)

    after = workspace.patients.get(kept.id)
    assert (after.birth_name, after.used_name, after.first_names) == ("Lefèvre", "Garnier",
                                                                      "Hélène")
    assert (after.alert, after.city, after.email) == ("Malentendante", "Lyon",
                                                      "helene@example.fr")
    assert [p.display for p in after.phones] == ["06 21 43 65 87", "07 61 00 11 22"]
    gone = card(workspace, merged.id)
    assert gone.deleted_at is not None and gone.merged_into_id == kept.id
    # The list behind refreshed from the change bus; the pair is no longer offered.
    assert "GARNIER né(e) LEFÈVRE Hélène" in names(main_window)
    assert "GARNIER né(e) LEFEVRE helene" not in names(main_window)
    assert dialog.model.rowCount() == 0 and dialog.empty_hint.isVisible()

    # The merge is listed, and can be undone from here.
    assert dialog.merges.count() == 1
    assert "GARNIER né(e) LEFEVRE helene" in dialog.merges.item(0).text()
    assert dialog.undo_button.isEnabled()
    qtbot.mouseClick(dialog.undo_button, Qt.MouseButton.LeftButton)
    wait_loaded(qtbot, dialog)
    restored = workspace.patients.get(kept.id)
    assert (restored.used_name, restored.alert, [p.display for p in restored.phones]) == \
        ("", "", ["06 21 43 65 87"])
    back = card(workspace, merged.id)
    assert (back.deleted_at, back.merged_into_id) == (None, None)
    assert dialog.model.rowCount() == 1  # a possible duplicate again
    assert not dialog.undo_button.isEnabled()  # already undone
    assert "GARNIER né(e) LEFEVRE helene" in names(main_window)


def test_not_duplicates_removes_the_pair_for_good(qtbot, main_window, workspace):
    twins(workspace)
    dialog = open_duplicates(qtbot, main_window)
    assert dialog.model.rowCount() == 1
    qtbot.mouseClick(dialog.dismiss_button, Qt.MouseButton.LeftButton)
    wait_loaded(qtbot, dialog)
    assert dialog.model.rowCount() == 0
    assert dialog.empty_hint.isVisible() and not dialog.table.isVisible()
    dialog.close()
    again = open_duplicates(qtbot, main_window)
    assert again.model.rowCount() == 0
    assert workspace.duplicates.list_pairs() == []


def test_empty_state_explains_what_is_listed(qtbot, main_window):
    dialog = open_duplicates(qtbot, main_window)
    assert dialog.model.rowCount() == 0
    assert dialog.empty_hint.isVisible()
    assert not dialog.merge_button.isEnabled() and not dialog.dismiss_button.isEnabled()
    assert not dialog.merges.isVisible()


def test_swap_and_a_concurrent_edit_in_the_merge_dialog(qtbot, main_window, workspace):
    kept, merged = twins(workspace)
    dialog = open_duplicates(qtbot, main_window)
    dialog.merge_selected()
    merge = dialog.merge_dialog
    qtbot.waitExposed(merge)
    qtbot.mouseClick(merge.swap_button, Qt.MouseButton.LeftButton)
    assert merge.preview.kept.id == merged.id
    assert merge.radios["alert"][0].text() == "Malentendante"
    # Someone edits the card to keep meanwhile: the merge is refused and the cards reloaded.
    workspace.patients.update(merged.id, PatientInput(
        birth_name="LEFEVRE", used_name="Garnier", first_names="helene", birth_date="1/7/1975",
        city="Vénissieux"), expected_version=merge.preview.kept.version)
    qtbot.mouseClick(merge.merge_button, Qt.MouseButton.LeftButton)
    assert merge.isVisible() and merge.error.isVisible()
    assert card(workspace, kept.id).deleted_at is None
    assert "Vénissieux" in merge.radios["address"][0].text()
    qtbot.mouseClick(merge.merge_button, Qt.MouseButton.LeftButton)
    assert not merge.isVisible()
    wait_loaded(qtbot, dialog)
    assert card(workspace, kept.id).merged_into_id == merged.id


def test_the_card_on_screen_follows_a_merge(qtbot, main_window, workspace):
    kept, merged = twins(workspace)
    main_window.show_patients()  # the search box lists patients there
    main_window.patients.refresh()
    qtbot.keyClicks(main_window.search, "garnier")
    qtbot.keyClick(main_window.search, Qt.Key.Key_Return)
    form = main_window.patients.form
    assert form.current_id == merged.id
    dialog = open_duplicates(qtbot, main_window)
    dialog.merge_selected()
    qtbot.mouseClick(dialog.merge_dialog.merge_button, Qt.MouseButton.LeftButton)
    wait_loaded(qtbot, dialog)
    assert form.current_id is None  # the merged card is closed, not left editable


def test_pair_model_passes_the_qt_model_tester(qtbot, workspace):
    twins(workspace)
    model = DuplicatePairModel()
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    model.set_rows(workspace.duplicates.list_pairs())
    assert model.rowCount() == 1 and model.columnCount() == 3
    model.set_rows([])
    assert model.rowCount() == 0


def test_a_merge_is_undone_from_the_cards_history(qtbot, main_window, workspace):
    kept, merged = twins(workspace)
    workspace.duplicates.merge(kept_id=kept.id, merged_id=merged.id, choices={},
                               expected_versions=(kept.version, merged.version))
    view = main_window.patients
    main_window.show_patients()  # the search box lists patients there
    main_window.search.clear()
    qtbot.keyClicks(main_window.search, "07 61 00 11 22")  # the merged card's number
    assert names(main_window) == ["LEFÈVRE Hélène"]  # now on the kept card
    qtbot.keyClick(main_window.search, Qt.Key.Key_Return)
    view.card_tabs.setCurrentWidget(view.timeline)
    timeline = view.timeline
    assert timeline.undo_button.isVisible() and not timeline.undo_button.isEnabled()
    rows = [timeline.list.item(i) for i in range(timeline.list.count())]
    (merge_row,) = [r for r in rows if r.data(REF_ROLE)]
    assert "fusionnée" in merge_row.text()
    timeline.list.setCurrentItem(merge_row)
    assert timeline.undo_button.isEnabled()
    assert timeline.undo_selected_merge(confirm=False)
    assert card(workspace, merged.id).deleted_at is None  # both cards are back
    assert names(main_window) == ["GARNIER né(e) LEFEVRE helene"]  # the number went back
    assert "annulée" in timeline.list.item(0).text().lower()
    assert not timeline.undo_button.isVisible()  # nothing left to undo
