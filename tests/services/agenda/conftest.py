import pytest

from tests.agenda_fixtures import build_agenda


@pytest.fixture
def agenda(workspace):
    return build_agenda(workspace)
