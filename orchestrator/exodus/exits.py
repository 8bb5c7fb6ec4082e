"""Exits, liquidity reports and refunds (docs/exodus.md sections 3-4): the calls anyone makes once the
chains are in exodus, built from restored L1 data, never from the sequencer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from web3.contract.contract import ContractFunction

from orchestrator.chain.handle import Chain
from orchestrator.l2.exit import ExitClaim
from orchestrator.l2.ops import DEPOSIT
from orchestrator.prover.groth16 import Proof
from orchestrator.settlement.ledger import StoredBlockInfo


@dataclass(frozen=True)
class ChainExodus:
    """One chain's exodus, as its contract tells it."""

    active: bool
    reference_known: bool
    reference_block: int
    finished: bool

    @classmethod
    def read(cls, chain: Chain) -> ChainExodus:
        f = chain.rollup.functions
        return cls(
            bool(f.exodusActive().call()),
            bool(f.exodusReferenceSet().call()),
            int(f.exodusBlock().call()),
            bool(f.exodusFinished().call()),
        )


def liquidity(primary: Chain, chain: Chain, token: int) -> int | None:
    """What `chain`'s vault of `token` can still pay exits, as the primary accounts it; None while a
    secondary has not reported it."""
    if chain.id == primary.id:
        return max(int(primary.rollup.functions.vault(token).call()), 0)
    f = primary.rollup.functions
    if not f.liquidityReported(chain.id, token).call():
        return None
    return int(f.exodusLiquidity(chain.id, token).call())


def exit_call(
    primary: Chain, reference: StoredBlockInfo, claim: ExitClaim, proof: Proof, payouts: Mapping[int, int]
) -> ContractFunction:
    """`exit` of `claim`'s account, proven by `proof`, its balance paid as `payouts` (rollup chain id ->
    amount) say."""
    split = [(chain_id, amount) for chain_id, amount in sorted(payouts.items())]
    fn: ContractFunction = primary.rollup.functions.exit(
        reference.as_tuple(), claim.account, claim.leaf.token, claim.leaf.balance, split, proof.evm_args()
    )
    return fn


def report_liquidity_call(chain: Chain, token: int) -> ContractFunction:
    fn: ContractFunction = chain.rollup.functions.reportExodusLiquidity(token)
    return fn


@dataclass(frozen=True)
class QueuedDeposit:
    """A deposit still in a chain's queue (from its `PriorityRequestQueued` event)."""

    serial: int
    owner: str  # the account's L1 owner the request named: the refund is theirs
    token: int
    amount: int
    pkh: bytes


def refund_call(chain: Chain, deposit: QueuedDeposit) -> ContractFunction:
    fn: ContractFunction = chain.rollup.functions.refundDeposit(
        deposit.serial, deposit.owner, deposit.token, deposit.amount, deposit.pkh
    )
    return fn


def unexecuted_deposits(chain: Chain, requests: Sequence[dict[str, object]]) -> list[QueuedDeposit]:
    """The deposits among `requests` (events' args) still in `chain`'s queue: refundable in exodus."""
    f = chain.rollup.functions
    first = int(f.firstPriorityRequestId().call())
    out = []
    for args in requests:
        serial = int(str(args["serialId"]))
        if int(str(args["opType"])) != DEPOSIT or serial < first:
            continue
        if bytes(f.priorityRequests(serial).call()[0]) == bytes(32):
            continue  # refunded already
        pkh = args["pkh"]
        assert isinstance(pkh, bytes)
        out.append(
            QueuedDeposit(
                serial, str(args["account"]), int(str(args["tokenId"])), int(str(args["amount"])), pkh
            )
        )
    return out
