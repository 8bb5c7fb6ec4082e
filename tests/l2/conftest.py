"""Fixtures of the L2 model tests (the shared values live in tests/l2/common.py)."""

from __future__ import annotations

import pytest

from orchestrator.l2.state import L2State
from tests.l2.common import funded_state


@pytest.fixture
def state() -> L2State:
    """A fresh test-profile state with alice, bob and carol funded."""
    return funded_state()
