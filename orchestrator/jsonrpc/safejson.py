"""JSON from a stranger: the nesting depth is bounded BEFORE the parser runs.

Python's C JSON parser recurses once per array or object level and relies on the interpreter's recursion
limit to stop. py_ecc (imported by eth_keyfile, so by eth_account and web3) raises that limit to 100000
when imported, so a body of 100000 `[` overflows the C stack and the process dies with SIGSEGV before the
guard fires. `too_deep` scans the bytes once, in linear time, skipping strings (and the escapes in them),
so only real brackets count; `loads` refuses too deep a text, then parses strict UTF-8 JSON (no NaN or
Infinity, which are not JSON).
"""

from __future__ import annotations

import json
import re
from typing import Any

# a string (escapes included; an unterminated one, even ending in a lone backslash, runs to the end, so the
# string alternative never fails once started and the scan stays linear) or one bracket
_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)|[\[\]{}]', re.DOTALL)
_OPEN = frozenset(b"[{")


class JsonTooDeep(ValueError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the JSON nests arrays and objects deeper than {limit} levels")
        self.limit = limit


def too_deep(text: bytes, limit: int) -> bool:
    """True when arrays and objects nest more than `limit` levels anywhere in `text` (strings skipped)."""
    depth = 0
    for token in _TOKENS.finditer(text):
        first = text[token.start()]
        if first in _OPEN:
            depth += 1
            if depth > limit:
                return True
        elif first != 0x22:  # a closing bracket (a string starts with '"'); never below 0, so stray
            depth = max(depth - 1, 0)  # closers cannot hide openers behind them
    return False


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads(text: bytes, max_depth: int) -> Any:
    """Parse strict JSON; `JsonTooDeep` past `max_depth`, `ValueError` for anything else that is not JSON."""
    if too_deep(text, max_depth):
        raise JsonTooDeep(max_depth)
    try:
        return json.loads(text.decode("utf-8"), parse_constant=_no_constant)
    except RecursionError:  # cannot happen below the depth bound; never let it escape as a crash
        raise JsonTooDeep(max_depth) from None
