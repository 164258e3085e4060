"""Shared test fixtures."""

import pytest


@pytest.fixture
def verdict_of(capsys):
    """Run an exercise check's result through: (whether it passed, what it printed)."""

    def read(result):
        return bool(result), capsys.readouterr().out

    return read
