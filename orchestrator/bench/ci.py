"""CI time benchmark: `.ci/run` on a fresh clone, timed, as CI runs it.

Run: `python -m orchestrator.bench.ci`. Clones the committed HEAD of this repository into a temporary
directory, runs `CI=true .ci/run` there with no standard input (the shared build cache in the user's
cache directory stays warm, as on the CI machine), and writes docs/benchmarks/ci.md: the wall time, the
pytest summary, the slowest tests, and the previous run's figures beside them. Exits with CI's status.
Takes as long as CI (about 20 minutes on 2 cores): run it on an idle machine. `--json` also prints the
figures as one document (docs/json.md, `rollup.bench-ci/1`).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orchestrator.bench.jsonout import add_json_flag, json_output
from orchestrator.paths import repo_root

TARGET_MINUTES = 20
SLOWEST = 12
_SUMMARY = re.compile(r"=+ (?P<summary>.*\d+ (?:passed|failed).*) in (?P<seconds>[\d.]+)s")
_DURATION = re.compile(r"^(?P<seconds>[\d.]+)s (?P<phase>setup|call|teardown) +(?P<test>\S+)")
_PREVIOUS = re.compile(r"^\| (?P<what>[^|]+) \| (?P<value>[^|]+) \|")


def run_ci(repo: Path, log: Path) -> tuple[int, float, str]:
    """(exit status, wall seconds, output) of `.ci/run` on a fresh clone of `repo`'s HEAD."""
    with tempfile.TemporaryDirectory(prefix="ci-bench-") as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
        env = {**os.environ, "CI": "true"}
        env.pop("VIRTUAL_ENV", None)
        started = time.monotonic()
        with log.open("w") as out:
            status = subprocess.run(
                [str(clone / ".ci" / "run")],
                cwd=clone,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            ).returncode
        return status, time.monotonic() - started, log.read_text(errors="replace")


def commit_of(repo: Path) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()


Parsed = tuple[str, float | None, list[tuple[float, str, str]]]


def parse(output: str) -> Parsed:
    """(pytest's summary, its seconds, the slowest (seconds, phase, test)) from CI's output."""
    summary, seconds = "no pytest summary (see the log)", None
    slow: list[tuple[float, str, str]] = []
    for line in output.splitlines():
        if m := _SUMMARY.search(line):
            summary, seconds = m["summary"], float(m["seconds"])
        elif m := _DURATION.match(line.strip()):
            slow.append((float(m["seconds"]), m["phase"], m["test"]))
    return summary, seconds, sorted(slow, reverse=True)[:SLOWEST]


def previous_figures(report: Path) -> dict[str, str]:
    """The figures table of the report this run replaces (what -> value)."""
    if not report.exists():
        return {}
    table = report.read_text().split("## Figures", 1)[-1].split("\n## ", 1)[0]
    return {
        m["what"].strip(): m["value"].strip() for line in table.splitlines() if (m := _PREVIOUS.match(line))
    }


def render(
    commit: str,
    status: int,
    wall: float,
    summary: str,
    pytest_s: float | None,
    slow: list[tuple[float, str, str]],
    previous: dict[str, str],
) -> str:
    figures = [
        ("result", "passed" if status == 0 else f"FAILED (exit {status})"),
        ("total, fresh clone", f"{wall / 60:.1f} min"),
        ("pytest", f"{pytest_s:,.0f} s" if pytest_s is not None else "-"),
        ("tests", summary),
    ]
    out = [
        "# CI time",
        "",
        "Written by `python -m orchestrator.bench.ci`: `CI=true .ci/run` on a fresh clone of the committed "
        f"HEAD ({commit}), no standard input, warm shared build cache, "
        f"{datetime.now(UTC).strftime('%Y-%m-%d')}. Target: under {TARGET_MINUTES} min (issue 16 goal 5).",
        "",
        "## Figures",
        "",
        "| what | value | previous run |",
        "|---|---|---|",
        *(f"| {what} | {value} | {previous.get(what, '-')} |" for what, value in figures),
        "",
        f"## The {SLOWEST} slowest test phases (pytest --durations)",
        "",
        "| seconds | phase | test |",
        "|---|---|---|",
        *(f"| {s:,.1f} | {phase} | `{test}` |" for s, phase, test in slow),
        "",
    ]
    return "\n".join(out)


def document(commit: str, status: int, wall: float, parsed: Parsed) -> dict[str, Any]:
    """The figures of `render`'s report as data (docs/json.md, `rollup.bench-ci/1`); `parsed` is what
    `parse` read in CI's output."""
    summary, pytest_s, slow = parsed
    return {
        "commit": commit,
        "passed": status == 0,
        "exit_status": status,
        "wall_s": wall,
        "pytest_s": pytest_s,
        "tests": summary,
        "target_minutes": TARGET_MINUTES,
        "slowest": [{"seconds": s, "phase": phase, "test": test} for s, phase, test in slow],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestrator.bench.ci", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--log", type=Path, default=None, help="where CI's output goes (default: a temp file)"
    )
    add_json_flag(parser)
    args = parser.parse_args(argv)
    repo = repo_root()
    log = args.log or Path(tempfile.mkstemp(prefix="ci-bench-", suffix=".log")[1])
    with json_output("ci", args.json) as figures:
        print(f"running .ci/run on a fresh clone of {repo} (about 20 minutes); output in {log}", flush=True)
        status, wall, output = run_ci(repo, log)
        parsed = parse(output)
        report = repo / "docs" / "benchmarks" / "ci.md"
        commit = commit_of(repo)
        text = render(commit, status, wall, *parsed, previous_figures(report))
        report.write_text(text)
        print(text)
        print(f"wrote {report}; CI {'passed' if status == 0 else 'FAILED'} in {wall / 60:.1f} min")
        figures.update(document(commit, status, wall, parsed))
    return status


if __name__ == "__main__":
    sys.exit(main())
