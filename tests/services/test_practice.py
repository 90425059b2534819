"""The practice created with a new profile: validation, owner, practitioners."""

from __future__ import annotations

import pytest

from app.services.errors import ValidationError
from app.services.practice import (
    PracticeInput,
    PractitionerInput,
    get_practice,
    list_practitioners,
    owner_id,
    validate_practice,
)
from app.services.workspace import create_practice
from app.storage.profile import ProfilePaths


def test_new_practice_has_owner_practice_and_practitioners(workspace):
    store = workspace.store
    assert owner_id(store) == workspace.user_id
    info = get_practice(store)
    assert (info.name, info.timezone) == ("Cabinet médical des Tilleuls", "Europe/Paris")
    assert workspace.practice == info
    assert [(p.display_name, p.specialty) for p in list_practitioners(store)] == \
        [("Dr Claire Morel", "Médecine générale")]


@pytest.mark.parametrize("data, field", [
    (PracticeInput(name="  "), "name"),
    (PracticeInput(name="Cabinet", timezone="Europe/Lutece"), "timezone"),
    (PracticeInput(name="Cabinet", practitioners=[PractitionerInput("Anne", " ")]),
     "practitioner0"),
    (PracticeInput(name="Cabinet", practitioners=[PractitionerInput("A", "B"),
                                                  PractitionerInput("C", "D", colour="red")]),
     "practitioner1"),
])
def test_invalid_practice_is_refused(data, field):
    with pytest.raises(ValidationError) as info:
        validate_practice(data)
    assert set(info.value.errors) == {field}


def test_invalid_practice_writes_no_file(tmp_path, clock, fast_kdf):
    paths = ProfilePaths(tmp_path / "p")
    with pytest.raises(ValidationError):
        create_practice(paths, PracticeInput(name=""), passphrase="x", keychain=None,
                        clock=clock, kdf=fast_kdf)
    assert not paths.root.exists()
