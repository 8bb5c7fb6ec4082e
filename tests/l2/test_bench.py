"""The benchmark runs end to end on a tiny configuration (its numbers are reported, not tested)."""

from __future__ import annotations

import pytest

from orchestrator.bench import model as bench


def test_bench_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        bench.main(
            ["--depth", "8", "--accounts", "2", "--transfers", "4", "--updates", "4", "--workers", "1"]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "tree D=8" in out and "intake D=8" in out and "block test" in out
