"""`rollup sequencer`, `rollup relayer` and `rollup dac --member NAME` (Validium mode's committee members):
run a daemon in the foreground until SIGINT or SIGTERM.

Each reads the devnet file and the deployments under --home and keeps its state in --home (sequencer.db,
relayer.db, dac/NAME.db), so stopping and starting again, or `kill -9`, resumes where it was.
Each first takes its lock in the home (<name>.lock, orchestrator/devnet/lifecycle.py): a second daemon of
the kind on the same home is refused with one error line naming the pid that holds it.
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import replace
from types import FrameType

import click

from orchestrator.cli.context import CliContext, pass_cli
from orchestrator.devnet.lifecycle import DaemonLock

LOG_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        logging.getLogger("rollup").info("signal %d: stopping after the current round", signum)
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    return stop


def _logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format=LOG_FORMAT)
    for noisy in ("web3", "urllib3", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _lock(ctx: CliContext, name: str) -> DaemonLock:
    """The home's lock for `name`, taken before the daemon opens its store (`DaemonRunning` if held)."""
    from orchestrator.chain.addresses import read_deployments

    read_deployments(ctx.home)  # no deployments, no daemon: say so before writing into the home
    return DaemonLock.acquire(ctx.home, name)


@click.command()
@click.option("-v", "--verbose", is_flag=True, help="Log every RPC call and L1 request.")
@click.option(
    "--cluster",
    metavar="ADDRESS",
    help="Prove on the Dask cluster whose scheduler is at ADDRESS (tcp://HOST:PORT) instead of starting "
    "a local one ([sequencer] prover_cluster in devnet.toml).",
)
@pass_cli
def sequencer(ctx: CliContext, verbose: bool, cluster: str | None) -> None:
    """Run the sequencer: JSON-RPC intake, deposit watchers, blocks, proofs, all four stages everywhere."""
    from orchestrator.config import cluster_address
    from orchestrator.sequencer.daemon import SequencerDaemon

    _logging(verbose)
    stop = _stop_on_signals()
    config = ctx.config()
    if cluster is not None:
        settings = replace(config.sequencer, prover_cluster=cluster_address(cluster))
        config = replace(config, sequencer=settings)
    with _lock(ctx, "sequencer") as lock:
        SequencerDaemon(config, ctx.home).run(stop, lock)


@click.command()
@click.option("-v", "--verbose", is_flag=True, help="Log every RPC call.")
@click.option(
    "--retry-given-up", is_flag=True, help="Try again the messages given up after repeated failed deliveries."
)
@pass_cli
def relayer(ctx: CliContext, verbose: bool, retry_given_up: bool) -> None:
    """Run the relayer: carry every cross-chain message to its destination, with attestations."""
    from orchestrator.relayer.daemon import Relayer

    _logging(verbose)
    stop = _stop_on_signals()
    config = ctx.config()
    with _lock(ctx, "relayer") as lock:
        daemon = Relayer(config, ctx.home)
        if retry_given_up:
            logging.getLogger("relayer").info(
                "%d given-up messages to try again", daemon.store.retry_given_up()
            )
        daemon.run(stop, lock)


@click.command()
@click.option("--member", "name", required=True, help="Which [[committee.members]] entry to run.")
@click.option("-v", "--verbose", is_flag=True, help="Log every RPC call.")
@click.option(
    "--test-fault",
    type=click.Choice(["wrong-data", "sign-without-storing", "slow"]),
    hidden=True,
    help="TEST-ONLY misbehaviour (refused unless every chain is a local devnet).",
)
@pass_cli
def dac(ctx: CliContext, name: str, verbose: bool, test_fault: str | None) -> None:
    """Run one data-availability committee member (Validium mode): store L2 sections, sign, serve them."""
    from orchestrator.dac.member import Member

    _logging(verbose)
    stop = _stop_on_signals()
    config = ctx.config()
    with _lock(ctx, f"dac-{name}") as lock:
        Member(config, name, ctx.home, test_fault).run(stop, lock)
