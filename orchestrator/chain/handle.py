"""One chain as every part of the orchestrator sees it: its configuration, its node, where its contracts
are, a client per contract, and senders for the accounts that act on it.

`tx` is the sender of the account that drives this chain for whoever opened it (the sequencer's
operator, the relayer's account, the deployer); other accounts get theirs from `sender(key)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from web3 import Web3
from web3.contract import Contract

from orchestrator.chain.addresses import MESSENGER, ROLLUP, ChainDeployment, Deployments, token_contract_key
from orchestrator.chain.clients import MessengerClient, RollupClient, token_contract
from orchestrator.chain.connect import connect
from orchestrator.chain.sender import GasRecord, Sender
from orchestrator.config import ChainConfig, DeploymentConfig
from orchestrator.errors import DeployError
from orchestrator.store.db import Database


@dataclass
class Chain:
    config: ChainConfig
    w3: Web3
    deployment: ChainDeployment
    rollup: RollupClient
    messenger: MessengerClient
    tx: Sender
    _senders: dict[str, Sender] = field(default_factory=dict)

    @property
    def id(self) -> int:
        """The rollup chain id (1..K)."""
        return self.config.rollup_chain_id

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def deploy_block(self) -> int:
        """The first L1 block with any of the deployment's contracts (where log scans start)."""
        return self.deployment.deploy_block

    def sender(self, key: str) -> Sender:
        """Another account's sender on this chain (a user's, a tool's)."""
        if key == self.tx.key:
            return self.tx
        if key not in self._senders:
            self._senders[key] = Sender(self.w3, self.name, key, gas_log=self.tx.gas_log)
        return self._senders[key]

    def token(self, symbol: str) -> Contract:
        """The devnet's ERC-20 `symbol` on this chain."""
        try:
            deployed = self.deployment.contracts[token_contract_key(symbol)]
        except KeyError:
            raise DeployError(f"chain {self.name} has no {symbol} in its deployment") from None
        return token_contract(self.w3, deployed.address)


def open_chain(
    config: ChainConfig,
    deployment: ChainDeployment,
    key: str,
    db: Database | None = None,
    gas_log: list[GasRecord] | None = None,
) -> Chain:
    """Connect to `config`'s node (checked to be that chain) and open its contracts; `key` acts on it,
    its transactions kept in `db` (a daemon's store) or in memory."""
    w3 = connect(config)
    return Chain(
        config,
        w3,
        deployment,
        RollupClient(w3, deployment.contracts[ROLLUP].address, config.is_primary),
        MessengerClient(w3, deployment.contracts[MESSENGER].address),
        Sender(w3, config.name, key, db, gas_log=gas_log),
    )


def open_chains(
    config: DeploymentConfig,
    deployments: Deployments,
    key: str,
    db: Database | None = None,
    gas_log: list[GasRecord] | None = None,
) -> dict[int, Chain]:
    """Every chain of the deployment, by rollup chain id."""
    missing = [c.name for c in config.chains if c.name not in deployments.chains]
    if missing:
        raise DeployError(f"the deployments file has no {', '.join(missing)}: run `rollup deploy` again")
    return {
        c.rollup_chain_id: open_chain(c, deployments.chains[c.name], key, db, gas_log) for c in config.chains
    }
