"""The two installations most sync tests start from."""

from __future__ import annotations

import pytest

from tests.sync.roundkit import paired_through_a_folder


@pytest.fixture
def two(practice_factory, tmp_path):
    """A practice and its workstation, paired; the folder between them."""
    return paired_through_a_folder(practice_factory, tmp_path / "share")
