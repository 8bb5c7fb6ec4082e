"""Deploy the project's contracts to every chain of the devnet and record where they are.

The deployments file (`<home>/deployments.json`) is what every later command reads: per chain its EVM and
rollup chain ids, RPC URL, deploy block and contract addresses. For now the contracts are the devnet's
TEST-ONLY ERC-20 tokens; the rollup contracts join when they exist.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import HexStr
from web3 import Web3
from web3.exceptions import Web3Exception

from orchestrator.config import ChainConfig, DevnetConfig
from orchestrator.contracts.compiler import ContractArtifact, compile_contracts
from orchestrator.devnet.state import DEPLOYMENTS_FILE
from orchestrator.errors import DeployError

RECEIPT_TIMEOUT_S = 60.0


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


def connect(chain: ChainConfig, timeout: float = 10.0) -> Web3:
    """A Web3 for `chain`, checked to answer with the configured chain id (guards against a wrong URL)."""
    w3 = Web3(Web3.HTTPProvider(chain.rpc_url, request_kwargs={"timeout": timeout}))
    try:
        reported = w3.eth.chain_id
    except (OSError, Web3Exception) as exc:
        reason = type(exc).__name__
        raise DeployError(f"chain {chain.name!r} at {chain.rpc_url} is not reachable: {reason}") from None
    if reported != chain.evm_chain_id:
        raise DeployError(f"chain {chain.name!r} at {chain.rpc_url} reports chain id {reported}, "
                          f"expected {chain.evm_chain_id}")  # fmt: skip
    return w3


def token_contract_key(symbol: str) -> str:
    return f"TestToken:{symbol}"


def deploy_all(config: DevnetConfig, home: Path) -> Deployments:
    """Deploy to every chain, then write the deployments file; nothing is written if any chain fails."""
    artifacts = compile_contracts()
    deployer: LocalAccount = Account.from_key(config.keys.deployer)
    chains = {c.name: _deploy_chain(config, c, deployer, artifacts) for c in config.chains}
    deployments = Deployments(str(config.path), time.time(), chains)
    deployments.write(deployments_path(home))
    return deployments


def _deploy_chain(
    config: DevnetConfig, chain: ChainConfig, deployer: LocalAccount, artifacts: dict[str, ContractArtifact]
) -> ChainDeployment:
    w3 = connect(chain)
    sender = _Sender(w3, chain, deployer)
    pending: dict[str, str] = {}
    for symbol in chain.tokens:
        token = config.token(symbol)
        pending[token_contract_key(symbol)] = sender.deploy(
            artifacts["TestToken"], [token.name, token.symbol, token.decimals]
        )
    contracts = {}
    first_block: int | None = None
    for key, tx_hash in pending.items():
        receipt = sender.wait(tx_hash)
        block = int(receipt["blockNumber"])
        first_block = block if first_block is None else min(first_block, block)
        contracts[key] = DeployedContract(key, str(receipt["contractAddress"]), block, tx_hash)
    deploy_block = first_block if first_block is not None else int(w3.eth.block_number)
    return ChainDeployment(
        chain.name, chain.role.value, chain.evm_chain_id, chain.rollup_chain_id, chain.rpc_url,
        deployer.address, deploy_block, contracts,
    )  # fmt: skip


class _Sender:
    """Signs and sends one account's transactions with locally tracked nonces (no wait between sends)."""

    def __init__(self, w3: Web3, chain: ChainConfig, account: LocalAccount) -> None:
        self.w3, self.chain, self.account = w3, chain, account
        self.nonce = int(w3.eth.get_transaction_count(account.address, "pending"))

    def deploy(self, artifact: ContractArtifact, args: list[Any]) -> str:
        contract = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        tx = contract.constructor(*args).build_transaction(
            {"from": self.account.address, "nonce": self.nonce, "chainId": self.chain.evm_chain_id}
        )
        signed = self.account.sign_transaction(tx)
        try:
            tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
        except (OSError, Web3Exception) as exc:
            raise DeployError(f"chain {self.chain.name!r}: deploying {artifact.name} failed: {exc}") from None
        self.nonce += 1
        return "0x" + bytes(tx_hash).hex()

    def wait(self, tx_hash: str) -> Any:
        try:
            receipt = self.w3.eth.wait_for_transaction_receipt(
                HexStr(tx_hash), timeout=RECEIPT_TIMEOUT_S, poll_latency=0.05
            )
        except (OSError, Web3Exception) as exc:
            raise DeployError(f"chain {self.chain.name!r}: no receipt for {tx_hash}: {exc}") from None
        if receipt["status"] != 1:
            raise DeployError(f"chain {self.chain.name!r}: deployment {tx_hash} reverted")
        return receipt
