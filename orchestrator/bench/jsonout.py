"""`--json` on a benchmark: the figures it measured as one JSON document on stdout (docs/json.md,
`rollup.bench-<name>/1`), beside the markdown report it writes as before.

Under `--json` stdout must hold the document alone, so everything else written there while the benchmark
runs goes to stderr: its own progress lines and report, and what its child processes (nodes, daemons,
provers, CI) print, since they inherit file descriptor 1 rather than `sys.stdout`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
from collections.abc import Iterator
from typing import Any


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json",
        action="store_true",
        help="also print the figures as one JSON document on stdout (docs/json.md); progress goes to stderr",
    )


def document(name: str, body: dict[str, Any]) -> str:
    """`body` under its schema name (`cluster` becomes `rollup.bench-cluster/1`), as printed. A figure
    that is not a finite number (a rate over no time) is null: JSON has no infinity."""
    return json.dumps({"schema": f"rollup.bench-{name}/1", **_finite(body)}, indent=2, allow_nan=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


@contextlib.contextmanager
def json_output(name: str, enabled: bool) -> Iterator[dict[str, Any]]:
    """Run a benchmark's body inside: it fills the yielded dict with its figures. Under --json (`enabled`)
    stdout goes to stderr meanwhile, and the document alone is printed on stdout once the body succeeds;
    a body that fails prints none."""
    body: dict[str, Any] = {}
    if not enabled:
        yield body
        return
    stdout = sys.stdout
    stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        with contextlib.redirect_stdout(sys.stderr):
            yield body
    finally:
        stdout.flush()  # what was buffered while fd 1 was stderr goes there, not into the document
        os.dup2(saved, 1)
        os.close(saved)
    print(document(name, body), flush=True)
