"""Fixtures for the circuit tests: compiled test mains (in the shared build cache, orchestrator/paths.py)
and a workdir.

The first run compiles every main (the `test` block profile takes about a minute); later runs reuse the
builds until a file a main includes changes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from orchestrator.prover.compile import CompiledCircuit
from tests.circuits.harness import compile_main

_compiled: dict[str, CompiledCircuit] = {}


def compiled(name: str) -> CompiledCircuit:
    """A test main under tests/circuits/mains/ by name, or a path such as circuits/main/test.circom."""
    if name not in _compiled:
        _compiled[name] = compile_main(name)
    return _compiled[name]


@pytest.fixture(scope="session")
def circuit() -> Callable[[str], CompiledCircuit]:
    return compiled


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path
