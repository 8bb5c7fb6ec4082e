"""TEST-ONLY crash injection: a real `kill -9` at a chosen instant of a daemon's work.

`ROLLUP_TEST_CRASH_AT=<point>` makes the process send itself SIGKILL when it first passes
`crashpoint(<point>)`; `<point>#<k>` waits for the k-th pass. Nothing is flushed or cleaned up, exactly as
with an outside `kill -9`, but the instant is reproducible (stage boundaries, between a broadcast and its
receipt). It is honoured only after `arm()` saw that every chain is a local devnet node, so a daemon
driving a real network ignores it.
"""

from __future__ import annotations

import logging
import os
import signal
from collections import Counter

from orchestrator.config import DeploymentConfig

ENV = "ROLLUP_TEST_CRASH_AT"
_armed: str | None = None
_passes: Counter[str] = Counter()


def arm(config: DeploymentConfig) -> None:
    global _armed
    wanted = os.environ.get(ENV)
    if wanted and all(c.is_local for c in config.chains):
        _armed = wanted
        logging.getLogger(__name__).warning("TEST-ONLY crash point armed: %s", wanted)


def crashpoint(name: str) -> None:
    if _armed is None:
        return
    _passes[name] += 1
    point, _, nth = _armed.partition("#")
    if point == name and _passes[name] == int(nth or 1):
        logging.getLogger(__name__).warning("TEST-ONLY crash point %s reached: SIGKILL", _armed)
        logging.shutdown()
        os.kill(os.getpid(), signal.SIGKILL)
