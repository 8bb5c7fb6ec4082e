"""What a wallet can learn from L1 alone, without the sequencer: its L2 account indices, read from the
deposits in the public data the primary received at commit (docs/protocol.md section 6: a Deposit record
names the account index, the L1 owner and the L2 key hash).

This is what makes `rollup full-exit` work while the sequencer is down: the exit needs the account index,
and the chain that must honour the exit already holds it in its calldata.
"""

from __future__ import annotations

from collections.abc import Iterator

from orchestrator.l2.params import DEPOSIT, OP_RECORD_BYTES
from orchestrator.l2.tx import OpRecord
from orchestrator.wallet.actions import Network, Token
from orchestrator.wallet.keys import Wallet


def committed_public_data(net: Network) -> Iterator[tuple[int, bytes]]:
    """(block number, public data) of every block committed on the primary, in commit order; a block
    committed again after a revert appears again (the later commit is the one that counts)."""
    primary = net.config.primary
    rollup, w3 = net.rollup(primary), net.w3(primary)
    start = net.deployments.chains[primary.name].deploy_block
    seen: set[bytes] = set()
    for log in rollup.events.BlockCommitted().get_logs(from_block=start):
        tx_hash = bytes(log["transactionHash"])
        if tx_hash in seen:
            continue  # one commitBlocks call commits several blocks
        seen.add(tx_hash)
        calldata = w3.eth.get_transaction(log["transactionHash"])["input"]
        _, args = rollup.contract.decode_function_input(calldata)
        for block in args["blocks"]:
            yield int(block["blockNumber"]), bytes(block["publicData"])


def accounts_from_l1(net: Network, wallet: Wallet, token: Token) -> list[int]:
    """The account indices committed deposits gave to `wallet` (its L1 address and L2 key) for `token`."""
    n_op = net.config.rollup.circuit.n_op
    latest: dict[int, bytes] = {}
    for number, data in committed_public_data(net):
        latest[number] = data
    found: set[int] = set()
    for data in latest.values():
        for i in range(n_op):
            record = OpRecord.decode(data[i * OP_RECORD_BYTES : (i + 1) * OP_RECORD_BYTES])
            if (
                record.type == DEPOSIT
                and record.address == wallet.address_int
                and record.pkh == wallet.pkh
                and record.token == token.l2_id
            ):
                found.add(record.account)
    return sorted(found)
