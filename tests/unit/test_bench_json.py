"""`--json` on the benchmarks (docs/json.md, `rollup.bench-<name>/1`): the shared helper keeps stdout to
the one document, and each benchmark's figures-to-document function, on small fixed figures, gives the
figures its markdown report shows. (The benchmarks themselves take minutes; the model's runs for real in
tests/l2/test_bench.py.)"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from orchestrator.bench import ci, cluster, exodus, prover, rollup, validium
from orchestrator.bench.gas_report import MARGINAL, REPORT_IN_COMMIT, KFigures, render
from orchestrator.bench.gas_report import document as gas_document
from orchestrator.bench.jsonout import document, json_output
from orchestrator.chain.sender import GasRecord


def _parsed(name: str, body: dict[str, Any]) -> dict[str, Any]:
    """What a reader gets: the printed document, parsed."""
    doc: dict[str, Any] = json.loads(document(name, body))
    assert doc["schema"] == f"rollup.bench-{name}/1"
    return doc


def test_the_document_names_its_schema_and_has_no_infinity() -> None:
    doc = _parsed("x", {"rate": float("inf"), "rows": [{"s": float("nan"), "n": 3}], "ok": 1.5})
    assert doc == {"schema": "rollup.bench-x/1", "rate": None, "rows": [{"s": None, "n": 3}], "ok": 1.5}


def test_under_json_stdout_holds_the_document_alone(capfd: pytest.CaptureFixture[str]) -> None:
    with json_output("x", True) as body:
        print("progress of this process")
        subprocess.run([sys.executable, "-c", "print('a child writes to fd 1')"], check=True)
        body["figure"] = 7
    print("after the run")  # stdout is stdout again
    out, err = capfd.readouterr()
    assert "progress of this process" in err and "a child writes to fd 1" in err
    document_text, after = out.rsplit("}\n", 1)
    assert json.loads(document_text + "}") == {"schema": "rollup.bench-x/1", "figure": 7}
    assert after == "after the run\n"


def test_without_json_nothing_moves_and_a_failed_run_prints_no_document(
    capfd: pytest.CaptureFixture[str],
) -> None:
    with json_output("x", False) as body:
        print("the report")
        body["figure"] = 7
    assert capfd.readouterr() == ("the report\n", "")
    with pytest.raises(RuntimeError), json_output("x", True) as body:
        print("measuring")
        raise RuntimeError("the chain died")
    print("stdout is back")
    assert capfd.readouterr() == ("stdout is back\n", "measuring\n")


def test_ci_figures() -> None:
    slow = [(359.0, "setup", "tests/a.py::t"), (12.5, "call", "tests/b.py::u")]
    doc = _parsed("ci", ci.document("abc1234", 1, 1290.0, ("1 failed, 558 passed", 1223.45, slow)))
    assert (doc["passed"], doc["exit_status"], doc["wall_s"], doc["pytest_s"]) == (False, 1, 1290.0, 1223.45)
    assert doc["tests"] == "1 failed, 558 passed" and doc["target_minutes"] == ci.TARGET_MINUTES
    assert doc["slowest"][0] == {"seconds": 359.0, "phase": "setup", "test": "tests/a.py::t"}
    assert _parsed("ci", ci.document("abc1234", 0, 1.0, ("none", None, [])))["pytest_s"] is None


def test_cluster_figures_and_the_report_without_its_hidden_json() -> None:
    rows = [
        {"workers": 1, "start_s": 0.5, "key_load_s": 60.0, "wall_s": 120.0, "proof_s": 30.0, "tx_s": 0.5},
        {"workers": 2, "start_s": 0.6, "key_load_s": 65.0, "wall_s": 60.0, "proof_s": 33.0, "tx_s": 1.0},
    ]
    doc = _parsed("cluster", cluster.document("bench", rows, 4))
    assert (doc["profile"], doc["blocks"], doc["target_tx_s"]) == ("bench", 4, cluster.TARGET_TX_S)
    assert [(r["workers"], r["tx_s"], r["speedup"]) for r in doc["rows"]] == [(1, 0.5, 1.0), (2, 1.0, 2.0)]
    assert doc["rows"][1]["key_load_s"] == 65.0
    text = cluster.report("bench", rows, 4, "")
    assert "| 2 | 0.6 s | 65.0 s | 33.0 s | 60.0 s | **1.00 tx/s** | 2.00x |" in text
    assert "<!--" not in text  # the figures are --json's now


def test_prover_figures_and_their_row() -> None:
    stages = {
        "compile": {"constraints": 193_167, "seconds": 39.2, "cached": True, "peak_mib": 26},
        "setup": {"seconds": 19.0, "cached": False, "proving_key_mb": 147.3, "peak_mib": 483},
        "prove": {
            "witness_s": 0.8,
            "load_and_prove_s": 25.0,
            "prove_s": 8.0,
            "verify_ms": 3.0,
            "txs": 4,
            "peak_mib": 787,
        },
    }
    [p] = _parsed("prover", prover.document({"test": stages}))["profiles"]
    assert (p["profile"], p["constraints"], p["slots"]) == ("test", 193_167, 4)
    assert p["compile"] == {"seconds": 39.2, "cached": True, "peak_mib": 26}
    assert p["setup"]["proving_key_mb"] == 147.3 and not p["setup"]["cached"]
    assert (p["key_load_s"], p["prove_s"], p["slots_per_prove_s"], p["prove_peak_mib"]) == (
        17.0,
        8.0,
        0.5,
        787,
    )
    row = prover.row("test", stages)
    assert row.startswith("| test | 193,167 | 39 s (cached) / 26 MiB | 19 s / 483 MiB / 147 MB | 0.8 s |")
    assert row.endswith("| 17.0 s | 8.0 s / 787 MiB | 3 ms | 0.50 |")


def test_exodus_figures() -> None:
    gas = [
        ("exit, paid on the primary", "alpha", 305_089),
        ("exit, paid on a secondary", "alpha", 298_218),
        ("withdraw pending balance (ETH)", "beta", 33_852),
        ("withdraw pending balance (ETH)", "beta", 33_850),
    ]
    speed = {
        "blocks": 200.0,
        "records": 400.0,
        "restore_s": 0.1,
        "restore_rate": 4000.0,
        "replay_s": 0.01,
        "replay_rate": 40_000.0,
    }
    doc = _parsed("exodus", exodus.document(gas, speed, None))
    assert doc["gas"][2] == {
        "call": "withdraw pending balance (ETH)",
        "chain": "beta",
        "calls": 2,
        "gas_per_call": 33_851,
    }
    assert (doc["exit_claim_max_gas"], doc["exit_claim_target_gas"]) == (305_089, exodus.EXIT_TARGET)
    assert doc["restore"]["blocks"] == 200 and doc["restore"]["restore_records_per_s"] == 4000.0
    assert doc["drill_s"] is None and "not run (--no-drill)" in exodus.report(gas, speed, None)


def test_validium_figures() -> None:
    shapes = {"two deposits, L2 slots empty": 1, "empty block": 50_000, "two transfers": 50_600}
    figures = validium.Figures(
        gas={"rollup": shapes, "validium": {**shapes, "empty block": 60_000, "two transfers": 60_000}},
        signatures={1: 30_000, 2: 35_000},
        trips=[3.0, 1.0, 2.0],
        stories={"rollup": {"deposits spendable": 12.5, "withdrawals paid": 20.0}},
    )
    doc = _parsed("validium", validium.document(figures))
    assert doc["commit_gas"][2] == {"block": "two transfers", "rollup": 50_600, "validium": 60_000}
    assert doc["per_transfer_gas"] == {"rollup": 300.0, "validium": 0.0}
    assert doc["verify_signatures_gas"] == [{"signers": 1, "gas": 30_000}, {"signers": 2, "gas": 35_000}]
    assert doc["round_trip_ms"] == {"count": 3, "median": 2.0, "p95": 2.0, "max": 3.0}
    assert doc["stories"] == [{"mode": "rollup", "deposits_spendable_s": 12.5, "withdrawals_paid_s": 20.0}]
    assert "| 2 | 35,000 | 5,000 |" in validium.report(figures)


def test_rollup_figures() -> None:
    figures = rollup.Figures(
        chains=["alpha", "beta"],
        burst=16,
        intake_one_sender=1500.0,
        intake_many_senders=900.0,
        rpc_back_to_back=200.0,
        rpc_batch=800.0,
        blocks_built=3,
        build_ms=[10.0, 30.0, 20.0],
        proofs=[8.0],
        paid=[],
        latency={("alpha", "committed"): [1.0, 3.0], ("beta", "executed"): [9.0]},
        story={"deposits spendable": 14.0, "withdrawals paid": 25.0},
        failures=[],
    )
    doc = _parsed("rollup", rollup.document(figures))
    assert doc["intake_tx_s"]["rpc_batch"] == 800.0 and (doc["burst"], doc["batch"]) == (16, rollup.BATCH)
    assert doc["block_build_ms"] == {"median": 20.0, "min": 10.0, "max": 30.0, "n": 3}
    assert doc["withdrawal_paid_s"] is None and doc["blocks_built"] == 3
    alpha, beta = doc["stage_latency_s"]
    assert alpha["chain"] == "alpha" and alpha["committed"]["median"] == 2.0 and alpha["executed"] is None
    assert beta["executed"] == {"median": 9.0, "min": 9.0, "max": 9.0, "n": 1}
    assert doc["story_s"] == {"deposits_spendable": 14.0, "withdrawals_paid": 25.0}
    text = rollup.report(figures)
    assert "| alpha | 2.0 (min 1.0, max 3.0, n=2) | - | - | - | - |" in text and "- blocks built: 3" in text


def test_gas_figures_and_the_summary_rows_they_render() -> None:
    def g(label: str, chain: str, gas: int) -> GasRecord:
        return GasRecord(label, chain, gas, 0)

    rounds = [
        ("Round 1 (first use): blocks 1-3", [g("prove 3", "alpha", 600_000)]),
        (
            "Round 2 (steady state): block 4",
            [
                g("prove 1", "alpha", 250_000),
                g(REPORT_IN_COMMIT, "beta", 30_000),
                g(REPORT_IN_COMMIT, "gamma", 31_000),
                g("deliver reports", "alpha", 160_000),
                g("synchronize", "alpha", 100_000),
                g("deliver confirmation", "beta", 88_000),
                g("deliver confirmation", "gamma", 87_000),
            ],
        ),
        ("Round 3: block 5", [g("execute", "alpha", 120_000)]),
        ("Round 4: block 6", [g("execute", "alpha", 100_000)]),
        ("Round 5: blocks 7-14", [g("prove 8", "alpha", 720_000), g("prove 8", "alpha", 720_000)]),
    ]
    shapes = {"empty block": 60_000, MARGINAL: 250}
    figures = [KFigures(2, 1, 1000, 1250, 300)]
    doc = _parsed("gas", gas_document(rounds, shapes, figures, 2_500))
    targets = {t["what"]: t for t in doc["targets"]}
    assert targets["prove, one proof per call (whole tx)"] == {
        "what": "prove, one proof per call (whole tx)",
        "gas": 250_000,
        "parts": [],
        "target": 215_000,
    }
    beta = next(t for t in doc["targets"] if t["what"].startswith("sync round for beta"))
    assert (beta["gas"], beta["parts"]) == (248_000, [30_000, 80_000, 50_000, 88_000])
    assert targets["prove, 8 proofs per call, per proof (whole tx)"]["gas"] == 180_000
    assert targets["execute, per withdrawal (block 5 with 2 vs block 6 with none)"]["target"] is None
    assert doc["targets"][-1]["gas"] == 250 and doc["targets"][-1]["target"] == 300
    calls = doc["rounds"][4]["calls"]
    assert calls == [{"call": "prove 8", "chain": "alpha", "calls": 2, "gas_per_call": 720_000}]
    assert doc["commit_by_content"][1] == {"block": MARGINAL, "gas": 250}
    assert doc["k_chains"] == [
        {"k": 2, "blocks": 1, "total": 1000, "separate": 1250, "ratio": 0.8, "sync_per_secondary": 300}
    ]
    assert doc["proxy_overhead_gas"] == 2_500 and doc["k_ratio_target"] == 0.6
    text = render(rounds, shapes, figures, 2_500, {})
    assert f"| {beta['what']} | 248,000 (30,000 + 80,000 + 50,000 + 88,000) | - | 100,000 |" in text
