"""Fixtures of the golden-file tests: the golden corpus in the test database."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.golden.corpus import golden_corpus


@pytest.fixture
def golden(engine: Engine) -> Engine:
    """The test database holding the golden corpus."""
    golden_corpus(engine)
    return engine
