"""The sequencer's JSON-RPC API: method names and the shape of every answer, shared by the daemon that
answers (orchestrator/sequencer/daemon.py) and the wallets that ask (orchestrator/wallet/client.py).

Amounts travel as decimal strings (JSON numbers lose precision past 2^53); hashes, keys and addresses as
0x-hex strings; everything else as numbers.
"""

from __future__ import annotations

from typing import TypedDict

CHAIN_INFO = "rollup_chainInfo"
SEND_TRANSACTION = "rollup_sendTransaction"
GET_ACCOUNT = "rollup_getAccount"
ACCOUNTS_OF = "rollup_accountsOf"
GET_TRANSACTION = "rollup_getTransaction"
GET_BLOCK = "rollup_getBlock"
GET_PRIORITY_REQUEST = "rollup_getPriorityRequest"
STATUS = "rollup_status"


class ChainEntry(TypedDict):
    name: str
    rollup_chain_id: int
    evm_chain_id: int
    tokens: list[str]


class ChainInfo(TypedDict):
    domain: str  # 0x-hex: what L2 signatures sign over
    profile: str
    chains: list[ChainEntry]
    tokens: dict[str, str]  # L2 token id -> symbol


class SentTransaction(TypedDict):
    hash: str


class AccountInfo(TypedDict):
    index: int
    exists: bool
    pkh: str
    address: str
    token: int
    balance: str  # as built into blocks
    nonce: int
    pending_balance: str  # once the accepted, not yet built transactions apply
    pending_nonce: int


class PayoutInfo(TypedDict):
    chain: int
    block: int
    owner: str
    token: int
    status: str  # waiting | paid | settled
    attempts: int
    error: str | None
    next_attempt_at: float
    tx: str | None


class TransactionInfo(TypedDict, total=False):
    hash: str
    type: str
    status: str  # pending | included | dropped
    block: int | None
    error: str | None
    stages: dict[str, list[str]]  # chain name -> stages its block reached there, in order
    payout: PayoutInfo | None  # a withdrawal's, once its block is executed on its chain


class BlockInfo(TypedDict):
    number: int
    timestamp: int
    new_root: str
    ops: list[dict[str, object]]  # l2/wire.py's JSON of each on-chain operation
    transfers: int
    stages: dict[str, list[str]]
    payouts: list[PayoutInfo]


class RequestInfo(TypedDict, total=False):
    chain: int
    serial: int
    type: str
    status: str  # queued | included
    block: int | None
    stages: dict[str, list[str]]
    payout: PayoutInfo | None  # a full exit's


class ChainCounters(TypedDict, total=False):
    name: str
    rollup_chain_id: int
    committed: int
    proven: int  # the primary only
    synchronized: int
    executed: int


class StatusInfo(TypedDict):
    last_block: int
    mempool: int
    queued_requests: int
    refused_requests: list[str]  # "chain C request S: reason", each a chain's queue waits at
    payouts_waiting: list[PayoutInfo]
    chains: list[ChainCounters]
    data_committee: str | None  # Validium: why the next block waits for the committee; None otherwise
