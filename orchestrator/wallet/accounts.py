"""Finding a wallet's L2 account for a token when the user does not give its index: the wallet's own
record first, then the sequencer, then the deposits committed on L1 (so a full exit needs no sequencer)."""

from __future__ import annotations

from pathlib import Path

from orchestrator.jsonrpc.client import RpcUnavailable
from orchestrator.wallet.actions import Network, Token, own_account
from orchestrator.wallet.client import SequencerClient
from orchestrator.wallet.keys import Wallet, recorded_accounts
from orchestrator.wallet.l1data import accounts_from_l1
from orchestrator.wallet.resolve import UserError


def find_account(
    net: Network, client: SequencerClient, home: Path, wallet: Wallet, token: Token
) -> tuple[int, str]:
    """(index, where it came from) of the wallet's L2 account for `token`: its own record, else the
    sequencer, else the deposits committed on L1 (so a full exit needs no sequencer)."""
    recorded = recorded_accounts(home, wallet.name).get(token.l2_id)
    if recorded is not None:
        return recorded, "from the wallet's record"
    try:
        return own_account(client, wallet, token)["index"], "from the sequencer"
    except RpcUnavailable:
        pass
    found = accounts_from_l1(net, wallet, token)
    if len(found) == 1:
        return found[0], "from L1 data"
    if not found:
        raise UserError(
            f"no committed deposit made {wallet.name} an L2 {token.symbol} account, and the sequencer "
            "does not answer: pass --account N if you know it"
        )
    raise UserError(
        f"{wallet.name} has several L2 {token.symbol} accounts ({', '.join(map(str, found))}): "
        "pass --account N"
    )
