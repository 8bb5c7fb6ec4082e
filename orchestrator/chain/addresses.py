"""The address book: where each chain's contracts are (`<home>/deployments.json`, written by `rollup deploy`).

Per chain: its EVM and rollup chain ids, RPC URL, deploy block and contract addresses. Every command and
daemon after `deploy` reads it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from orchestrator.errors import DeployError

DEPLOYMENTS_FILE = "deployments.json"
ABI_DIR = "deployments"  # beside it: each contract's ABI and address per chain (orchestrator/chain/abis.py)


@dataclass
class DeployedContract:
    name: str
    address: str
    block: int
    tx_hash: str


@dataclass
class ChainDeployment:
    name: str
    role: str
    evm_chain_id: int
    rollup_chain_id: int
    rpc_url: str
    deployer: str
    deploy_block: int
    contracts: dict[str, DeployedContract] = field(default_factory=dict)


@dataclass
class Deployments:
    config_path: str
    deployed_at: float
    chains: dict[str, ChainDeployment]

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2))
        tmp.replace(path)


def deployments_path(home: Path) -> Path:
    return home / DEPLOYMENTS_FILE


def read_deployments(home: Path) -> Deployments:
    path = deployments_path(home)
    try:
        raw = json.loads(path.read_text())
        chains = {
            name: ChainDeployment(
                **{k: v for k, v in c.items() if k != "contracts"},
                contracts={n: DeployedContract(**d) for n, d in c["contracts"].items()},
            )
            for name, c in raw["chains"].items()
        }
        return Deployments(raw["config_path"], raw["deployed_at"], chains)
    except FileNotFoundError:
        raise DeployError(f"no deployments at {path}: run `rollup deploy` first") from None
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise DeployError(f"{path} is corrupt ({exc}); run `rollup deploy` again") from None


def token_contract_key(symbol: str) -> str:
    return f"TestToken:{symbol}"


MESSENGER = "AttestedMessenger"  # the messenger's proxy, the address every caller uses
ROLLUP = "Rollup"  # the rollup's proxy, the address every caller uses
MESSENGER_IMPLEMENTATION = "AttestedMessenger implementation"
ROLLUP_IMPLEMENTATION = "Rollup implementation"
EXITS = "PrimaryExits"  # the primary's exits module, run by delegatecall from its rollup
TIMELOCK = "TimelockController"  # owns the rollup and the messenger (docs/security.md)
VERIFIER = "Groth16Verifier"
EXIT_VERIFIER = "ExitVerifier"
DATA_COMMITTEE = "DataCommittee"  # Validium only, on the primary: the data-availability committee
