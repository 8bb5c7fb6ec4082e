"""`rollup demo`: the whole rollup on a fresh devnet, then everything torn down.

Chains up, contracts deployed, sequencer and relayer started as processes, then the story: users deposit
ETH and tokens on different chains, transfer on L2, withdraw to other chains, one full exit; every chain's
stages are printed as they move; at the end every balance the story moved is checked on L1 and L2.
"""

from __future__ import annotations

import shutil
import time

import click

from orchestrator.cli.context import CliContext, pass_cli
from orchestrator.cli.render import console


@click.command()
@click.option("--timeout", default=300.0, show_default=True, help="Seconds to wait for any one step.")
@pass_cli
def demo(ctx: CliContext, timeout: float) -> None:
    """Run the demo scenario on a fresh devnet with both daemons, check every balance, stop everything."""
    from rich.table import Table

    from orchestrator.errors import RollupError
    from orchestrator.testing.running import running_rollup
    from orchestrator.testing.story import StageMonitor, Story

    config = ctx.config()
    if len(config.chains) < 2 or not {"USDC", "DAI"} <= {t.symbol for t in config.tokens}:
        raise RollupError("the demo story needs 2+ chains and the USDC and DAI tokens of devnet/devnet.toml")

    def say(line: str) -> None:
        console.print(line, markup=False)  # "[alpha] block 3 committed" is text, not rich markup

    logs = ctx.home / "demo-logs"  # kept after the devnet is gone; .devnet is not part of the repository
    shutil.rmtree(logs, ignore_errors=True)
    started = time.monotonic()
    with running_rollup(ctx.config_path, ctx.home, say, keep_logs=logs) as rollup:
        monitor = StageMonitor(rollup.client, say)
        monitor.start()
        story = Story(rollup, say)
        try:
            story.run(timeout)
            time.sleep(1.0)  # let the monitor print the last counters
        finally:
            monitor.stop.set()
        failures = story.check()
        table = Table(title="balances the story moved (L1)", title_justify="left")
        for col in ("chain", "who", "token", "before", "after", "expected change", "ok"):
            table.add_column(col)
        for e in story.expectations:
            tok = rollup.net.token(e.token)
            after = "?" if e.after is None else tok.format(e.after)
            table.add_row(
                e.chain,
                e.who,
                e.token,
                tok.format(e.before),
                after,
                f"+{tok.format(e.delta)}",
                "[green]yes[/green]" if e.ok else "[red]NO[/red]",
            )
        console.print(table)
        for what, seconds in story.timings.items():
            console.print(f"{what}: {seconds:.1f} s")
    say(f"logs: {', '.join(str(p) for p in sorted(logs.glob('*.log')))}")
    if failures:
        raise RollupError("the demo's checks failed: " + "; ".join(failures))
    console.print(
        f"[green]demo passed[/green]: every balance checked, devnet down ({time.monotonic() - started:.0f} s)"
    )
