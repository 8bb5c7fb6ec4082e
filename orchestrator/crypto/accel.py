"""GMP arithmetic for the hot loops, when gmpy2 is installed: its `mpz` multiplies and reduces 254-bit
numbers several times faster than Python's int (Baby Jubjub and Poseidon spend nearly all their time
there). Pure Python is the fallback, with identical results; `ROLLUP_PURE_PYTHON=1` forces it (the tests
compare both).

Only the inner arithmetic uses `number`: every public function of the crypto package takes and returns
plain ints either way.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import cast

PURE_PYTHON_ENV = "ROLLUP_PURE_PYTHON"


def _fast_integer() -> tuple[Callable[[int], int], str]:
    if os.environ.get(PURE_PYTHON_ENV, "") not in ("", "0"):
        return int, f"none ({PURE_PYTHON_ENV} is set)"
    try:
        gmpy2 = importlib.import_module("gmpy2")
    except ImportError:
        return int, "none (gmpy2 is not installed)"
    return cast(Callable[[int], int], gmpy2.mpz), f"gmpy2 {gmpy2.version()}"


number, ACCELERATOR = _fast_integer()
"""`number`: the fast integer type (gmpy2.mpz, or int itself); `ACCELERATOR`: which, for reports."""
