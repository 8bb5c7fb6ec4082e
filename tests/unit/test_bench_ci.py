"""The CI benchmark's reading of pytest's output and its report (the 20-minute run itself is not tested)."""

from __future__ import annotations

from pathlib import Path

from orchestrator.bench.ci import parse, previous_figures, render

OUTPUT = """[test] pytest
============================= slowest 30 durations =============================
359.02s setup    tests/integration/test_crash_recovery.py::test_every_kill_happened
12.50s call     tests/unit/test_x.py::test_y
0.01s teardown tests/unit/test_x.py::test_y
================ 1 failed, 558 passed, 2 skipped in 1223.45s (0:20:23) ================
"""


def test_parse_reads_the_summary_and_the_slowest_phases() -> None:
    summary, seconds, slow = parse(OUTPUT)
    assert summary == "1 failed, 558 passed, 2 skipped" and seconds == 1223.45
    assert slow[0] == (359.02, "setup", "tests/integration/test_crash_recovery.py::test_every_kill_happened")
    assert [s for s, _, _ in slow] == [359.02, 12.5, 0.01]
    assert parse("no pytest here")[:2] == ("no pytest summary (see the log)", None)


def test_the_report_shows_the_previous_run_beside_the_new_one(tmp_path: Path) -> None:
    report = tmp_path / "ci.md"
    summary, seconds, slow = parse(OUTPUT)
    report.write_text(render("abc1234", 1, 1290.0, summary, seconds, slow, {}))
    previous = previous_figures(report)
    assert previous["total, fresh clone"] == "21.5 min" and previous["result"] == "FAILED (exit 1)"
    text = render("def5678", 0, 1150.0, "560 passed", 1100.0, [], previous)
    assert "| total, fresh clone | 19.2 min | 21.5 min |" in text
    assert "| result | passed | FAILED (exit 1) |" in text
