"""TEST-ONLY devnet files: devnet/devnet.toml reshaped to n chains on free ports, for tests and benchmarks
that need a devnet of their own beside any other."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from web3 import Web3
from web3.types import RPCEndpoint

from orchestrator.devnet.node import free_ports
from orchestrator.paths import repo_root

NAMES = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]


def write_settlement_devnet(
    tmp: Path,
    n: int,
    base_chain_id: int,
    natives: Mapping[str, str] | None = None,
    committee: tuple[int, int] | None = None,
    prover_workers: int = 1,
    prover_preload: bool = False,
) -> Path:
    """devnet/devnet.toml with n chains on free ports (USDC on chains 1-2, DAI on 1 and 3), test profile,
    the sequencer's JSON-RPC and the relayer's metrics on free ports too. `natives` names chains whose
    native coin is not ETH (chain name -> the symbol of a new 18-decimal token). `committee` = (M, N):
    Validium mode, with a data committee of N members (TEST-ONLY keys, free ports) of whom M must sign.
    The sequencer proves on `prover_workers` local workers, which load the key at their first proof unless
    `prover_preload`."""
    text = (repo_root() / "devnet" / "devnet.toml").read_text()
    head = text[: text.index("[[chains]]")]
    natives = natives or {}
    for symbol in sorted(set(natives.values())):
        head += f'[[tokens]]\nsymbol = "{symbol}"\nname = "Test native {symbol}"\ndecimals = 18\n\n'
    *ports, rpc_port, metrics_port = free_ports(n + 2)
    head = re.sub(r"(?m)^rpc_port = .*$", f"rpc_port = {rpc_port}", head)
    head = re.sub(r"(?m)^metrics_port = .*$", f"metrics_port = {metrics_port}", head)
    chains = []
    for i, port in enumerate(ports):
        tokens = [s for s, on in (("USDC", i in (0, 1)), ("DAI", i in (0, 2))) if on]
        chains.append(
            f'[[chains]]\nname = "{NAMES[i]}"\nrole = "{"primary" if i == 0 else "secondary"}"\n'
            f"evm_chain_id = {base_chain_id + i + 1}\nrollup_chain_id = {i + 1}\nport = {port}\n"
            f"tokens = {tokens!r}\nconfirmations = 0\n".replace("'", '"')
            + (f'native = "{natives[NAMES[i]]}"\n' if NAMES[i] in natives else "")
        )
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / "devnet.toml"
    head = re.sub(r"(?m)^profile = .*$", 'profile = "test"', head)
    # one prover worker, loading the key at its first proof: test devnets prove a few blocks each, restart
    # sequencers often, and a key load costs seconds of a core; tests/prover/test_cluster.py runs clusters
    # of two that preload
    head = re.sub(r"(?m)^prover_workers = .*$", f"prover_workers = {prover_workers}", head)
    head = re.sub(r"(?m)^prover_preload = .*$", f"prover_preload = {str(prover_preload).lower()}", head)
    tail = ""
    if committee is not None:
        head = re.sub(r"(?m)^mode = .*$", 'mode = "validium"', head)
        tail = committee_toml(*committee)
    path.write_text(head + "\n".join(chains) + tail)
    return path


def committee_toml(threshold: int, size: int) -> str:
    """A [committee] of `size` members on free ports, TEST-ONLY keys, `threshold` of them to sign."""
    members = "".join(
        f'\n[[committee.members]]\nname = "dac{i + 1}"\nkey = "0x{f"{0xD1 + i:02x}" * 32}"\nport = {port}\n'
        for i, port in enumerate(free_ports(size))
    )
    return f"\n[committee]\nthreshold = {threshold}\n" + members


def advance_time(w3: Web3, seconds: int) -> int:
    """TEST-ONLY (anvil): move the chain's clock `seconds` ahead and mine a block there; its timestamp.
    How tests and the exodus benchmark pass a deadline without waiting it out."""
    w3.provider.make_request(RPCEndpoint("evm_increaseTime"), [seconds])
    w3.provider.make_request(RPCEndpoint("evm_mine"), [])
    return int(w3.eth.get_block("latest")["timestamp"])
