"""The benchmarks' charts (orchestrator/bench/charts.py): real axes with ticks and labels, reproducible."""

from __future__ import annotations

import re

from orchestrator.bench import charts


def _texts(svg: str) -> list[str]:
    return [t.strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg) if t.strip()]


K, OURS, SEPARATE = [2, 4, 8], [880_000, 1_995_000, 4_232_000], [786_000, 1_875_000, 4_056_000]


def test_the_k_chain_chart_has_ticks_labels_and_the_target() -> None:
    svg = charts.k_chain_chart(K, OURS, SEPARATE, 0.6)
    texts = _texts(svg)
    assert "K chains" in texts and "gas per round" in texts and "ratio" in texts
    assert any(t.endswith("k") and t[0].isdigit() for t in texts)  # y ticks in thousands of gas
    assert {"2", "4", "8"} <= set(texts) and "target 0.6" in texts
    assert svg == charts.k_chain_chart(
        K, OURS, SEPARATE, 0.6
    )  # no date, fixed ids: a chart changes only with its figures


def test_the_stage_charts_name_every_stage_and_chain() -> None:
    gas = {"alpha": {"commit": 82_000, "prove 1": 240_000}, "beta": {"commit": 99_000, "send report": 65_000}}
    texts = _texts(charts.stage_gas_chart(gas))
    assert {"commit", "prove 1", "send report", "alpha", "beta", "gas per call"} <= set(texts)
    latency = {"alpha": {"committed": 1.0, "proven": 4.0}, "beta": {"committed": 1.5}}
    texts = _texts(charts.stage_latency_chart(latency, ("committed", "proven", "paid")))
    assert {"committed", "proven", "alpha", "beta", "seconds after the block's build"} <= set(texts)


def test_the_scaling_chart_has_workers_throughput_and_the_target() -> None:
    svg = charts.scaling_chart([1, 2], [0.67, 1.21], 1.0)
    texts = _texts(svg)
    assert {"1", "2", "workers", "proven tx/s", "measured", "linear", "target 1 tx/s"} <= set(texts)
    assert any(re.fullmatch(r"\d\.\d", t) for t in texts)  # y ticks
    assert svg == charts.scaling_chart([1, 2], [0.67, 1.21], 1.0)
