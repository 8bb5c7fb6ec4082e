"""docs/protocol.md's worked examples are what `python -m orchestrator.l2.vectors` generates."""

from __future__ import annotations

import subprocess
import sys

from orchestrator.l2 import vectors


def test_documented_vectors_are_current() -> None:
    document = vectors.protocol_path().read_text(encoding="utf-8")
    assert vectors.documented_block(document) == vectors.generate(), (
        "docs/protocol.md's vectors are stale: run python -m orchestrator.l2.vectors --write"
    )


def test_replace_block_round_trip() -> None:
    doc = f"intro\n{vectors.BEGIN}\nold\n{vectors.END}\noutro\n"
    new = vectors.replace_block(doc, "```text\nx\n```\n")
    assert new == f"intro\n{vectors.BEGIN}\n```text\nx\n```\n{vectors.END}\noutro\n"
    assert vectors.documented_block(new) == "```text\nx\n```\n"


def test_cli_prints_the_block() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "orchestrator.l2.vectors"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    assert out == vectors.generate()
