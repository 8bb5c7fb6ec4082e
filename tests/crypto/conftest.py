"""Fixtures for the crypto tests: the circomlibjs oracle (tests/js/circomlib_oracle.js run by node).

The project's setup installs node and node_modules/circomlibjs, so a missing one is a broken checkout:
the fixture fails with a message saying what to install instead of skipping the cross-checks.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ORACLE_SCRIPT = REPO_ROOT / "tests" / "js" / "circomlib_oracle.js"


class Oracle:
    """Runs one batch of requests through circomlibjs in a single node process."""

    def __init__(self, node: str, root: Path) -> None:
        self.node = node
        self.root = root

    def __call__(self, requests: list[dict[str, Any]], workers: int = 1) -> list[Any]:
        """Answer `requests` in order. `workers` > 1 splits the batch over that many node processes
        run side by side: circomlibjs' EdDSA takes ~40 ms per operation, so big batches are CPU-bound."""
        workers = max(1, min(workers, os.cpu_count() or 1, len(requests)))
        size = -(-len(requests) // workers)
        chunks = [requests[i : i + size] for i in range(0, len(requests), size)]
        env = {**os.environ, "ORACLE_NODE_MODULES_ROOT": str(self.root)}
        procs = [
            subprocess.Popen(
                [self.node, str(ORACLE_SCRIPT)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=self.root,
                env=env,
            )
            for _ in chunks
        ]
        # One communicate() thread per process: they run concurrently, and no pipe can fill up and block.
        outputs: list[tuple[str, str]] = [("", "")] * len(procs)

        def run(i: int) -> None:
            outputs[i] = procs[i].communicate(json.dumps({"requests": chunks[i]}), timeout=600)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(procs))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        results: list[Any] = []
        for proc, (stdout, stderr) in zip(procs, outputs, strict=True):
            if proc.returncode != 0:
                pytest.fail(f"circomlib oracle failed (exit {proc.returncode}):\n{stderr.strip()}")
            results += json.loads(stdout)["results"]
        assert len(results) == len(requests)
        return results


@pytest.fixture(scope="session")
def oracle() -> Oracle:
    """The circomlibjs oracle; fails (never skips) when node or circomlibjs is missing."""
    node = shutil.which("node")
    if node is None:
        pytest.fail(
            "node is not on PATH: install Node.js >= 20 (the project setup does) to run these cross-checks"
        )
    for package in ("circomlibjs", "blake-hash"):
        if not (REPO_ROOT / "node_modules" / package / "package.json").is_file():
            pytest.fail(
                f"{REPO_ROOT / 'node_modules' / package} is missing: run `npm ci` in {REPO_ROOT} "
                "(the project setup does) to run the crypto cross-checks"
            )
    if not ORACLE_SCRIPT.is_file():
        pytest.fail(f"oracle script {ORACLE_SCRIPT} is missing")
    return Oracle(node, REPO_ROOT)
