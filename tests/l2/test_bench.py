"""The model benchmark runs end to end on a tiny configuration (its numbers are reported, not tested),
with and without --json."""

from __future__ import annotations

import json

import pytest

from orchestrator.bench import model as bench

TINY = ["--depth", "8", "--accounts", "2", "--transfers", "4", "--updates", "4", "--workers", "1"]


def test_bench_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(TINY) == 0
    out = capsys.readouterr().out
    assert "tree D=8" in out and "intake D=8" in out and "block test" in out


def test_bench_json(capfd: pytest.CaptureFixture[str]) -> None:
    """--json (docs/json.md, `rollup.bench-model/1`): the figures alone on stdout, the lines on stderr."""
    assert bench.main([*TINY, "--json"]) == 0
    out, err = capfd.readouterr()
    doc = json.loads(out)
    assert doc["schema"] == "rollup.bench-model/1" and doc["depth"] == 8 and "tree D=8" in err
    assert doc["tree"]["updates"] == 4 and doc["tree"]["update_and_root_per_s"] > 0
    assert doc["intake"]["transfers"] == 4 and doc["parallel_intake"]["workers"] == 1
    assert doc["block"]["profile"] == "test" and doc["block"]["build_s"] >= 0
