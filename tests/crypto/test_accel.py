"""gmpy2 arithmetic and the pure-Python fallback give the same results (orchestrator/crypto/accel.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from orchestrator.crypto.accel import ACCELERATOR, PURE_PYTHON_ENV
from orchestrator.paths import repo_root
from tests.crypto.accel_vectors import vectors


def _vectors_in_subprocess(pure: bool) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != PURE_PYTHON_ENV}
    if pure:
        env[PURE_PYTHON_ENV] = "1"
    out = subprocess.run(
        [sys.executable, "-m", "tests.crypto.accel_vectors"],
        cwd=repo_root(),
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    result: dict[str, object] = json.loads(out)
    return result


def test_gmpy2_is_the_accelerator_here() -> None:
    """gmpy2 is a pinned dependency: the project's own setup runs the accelerated path."""
    assert ACCELERATOR.startswith("gmpy2"), ACCELERATOR


def test_pure_python_and_gmpy2_agree() -> None:
    accelerated = vectors()
    pure = _vectors_in_subprocess(pure=True)
    assert accelerated.pop("accelerator") != pure.pop("accelerator")
    assert str(pure).count("True") > 0  # the vectors include passing signature checks
    assert accelerated == pure
