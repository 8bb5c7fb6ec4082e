"""The benchmarks' charts, drawn with matplotlib (offline, the Agg backend) as SVG with real axes: ticks
and labels on both, a legend, targets as dashed lines.

The output is reproducible: no date in the metadata and a fixed hash salt for the SVG's element ids, so a
chart changes in git only when its figures do.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")  # no display: the charts are files

from matplotlib import pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

plt.rcParams["svg.hashsalt"] = "multichain-zk-rollup"
plt.rcParams["font.size"] = 9
plt.rcParams["svg.fonttype"] = "none"  # text stays text: smaller files, and searchable

_THOUSANDS = FuncFormatter(lambda value, _: f"{value / 1e3:,.0f}k")


def _svg(figure: Figure) -> str:
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(figure)
    return out.getvalue()


def k_chain_chart(ks: Sequence[int], ours: Sequence[int], separate: Sequence[int], target: float) -> str:
    """Total settlement gas per round against K separate rollups (left), and their ratio with the target
    (right)."""
    figure, (totals, ratio) = plt.subplots(1, 2, figsize=(9, 3.4))
    totals.plot(ks, ours, marker="o", label="this rollup (one proof, synchronized)")
    totals.plot(ks, separate, marker="s", label="K separate rollups")
    _axes(totals, "K chains", "gas per round", "Total settlement gas")
    totals.yaxis.set_major_formatter(_THOUSANDS)
    ratios = [o / s for o, s in zip(ours, separate, strict=True)]
    ratio.plot(ks, ratios, marker="o", label="ours / separate")
    ratio.axhline(target, linestyle="--", color="tab:red", label=f"target {target:g}")
    ratio.set_ylim(0, max(1.2, max(ratios) * 1.1))
    _axes(ratio, "K chains", "ratio", "Cost against K separate rollups")
    for axes in (totals, ratio):
        axes.set_xticks(list(ks))
    return _svg(figure)


def stage_gas_chart(by_chain: Mapping[str, Mapping[str, int]], target: int | None = None) -> str:
    """Gas of each settlement stage, one group of bars per stage, one bar per chain (a missing stage on a
    chain is no bar)."""
    stages = list(dict.fromkeys(stage for stages in by_chain.values() for stage in stages))
    figure, axes = plt.subplots(figsize=(9, 3.6))
    width = 0.8 / max(len(by_chain), 1)
    for i, (chain, gas) in enumerate(by_chain.items()):
        xs = [s + (i - (len(by_chain) - 1) / 2) * width for s in range(len(stages))]
        axes.bar(xs, [gas.get(stage, 0) for stage in stages], width, label=chain)
    if target is not None:
        axes.axhline(target, linestyle="--", color="tab:red", label=f"target {target:,}")
    axes.set_xticks(range(len(stages)), stages, rotation=20, ha="right")
    axes.yaxis.set_major_formatter(_THOUSANDS)
    _axes(axes, "", "gas per call", "Gas per stage and chain, steady state")
    return _svg(figure)


def stage_latency_chart(medians: Mapping[str, Mapping[str, float]], stages: Sequence[str]) -> str:
    """Median seconds from a block's build to each stage, one line per chain."""
    figure, axes = plt.subplots(figsize=(7, 3.4))
    for chain, seconds in medians.items():
        reached = [s for s in stages if s in seconds]
        axes.plot(reached, [seconds[s] for s in reached], marker="o", label=chain)
    _axes(axes, "stage", "seconds after the block's build", "Stage latency per chain (median)")
    axes.set_ylim(bottom=0)
    return _svg(figure)


def scaling_chart(workers: Sequence[int], tx_per_s: Sequence[float], target: float) -> str:
    """Proven transactions per second against the cluster's workers, with the ideal (linear from one
    worker) and the target."""
    figure, axes = plt.subplots(figsize=(6, 3.4))
    axes.plot(workers, tx_per_s, marker="o", label="measured")
    axes.plot(workers, [tx_per_s[0] * w / workers[0] for w in workers], linestyle=":", label="linear")
    axes.axhline(target, linestyle="--", color="tab:red", label=f"target {target:g} tx/s")
    axes.set_xticks(list(workers))
    axes.set_ylim(0, max(target, *tx_per_s) * 1.2)
    _axes(axes, "workers", "proven tx/s", "Proving throughput on the cluster")
    return _svg(figure)


def _axes(axes: Axes, xlabel: str, ylabel: str, title: str) -> None:
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.grid(True, axis="y", alpha=0.3)
    axes.legend(loc="best", fontsize=8)
