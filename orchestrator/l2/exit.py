"""An exodus exit's claim (docs/exodus.md section 4): one account leaf, its Merkle path and the three public
inputs of the exit circuit (circuits/exit.circom), read from a state at the exodus reference block R.

The contract pays `balance` of `token` to `owner` (the leaf's L1 address) once per account; the proof
binds those three to the root of R.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orchestrator.errors import TxRejected
from orchestrator.l2.account import Account
from orchestrator.l2.state import L2State
from orchestrator.l2.tree import Proof, QuadTree

KEY_TOKEN_SHIFT = 32
KEY_OWNER_SHIFT = 48


def exit_key(account: int, token: int, owner: int) -> int:
    """The circuit's packed public input: account + token * 2^32 + owner * 2^48 (below 2^208)."""
    return account + (token << KEY_TOKEN_SHIFT) + (owner << KEY_OWNER_SHIFT)


@dataclass(frozen=True)
class ExitClaim:
    """What one exit proves: `leaf` sits at `account` under `root` along `path`."""

    root: int
    account: int
    leaf: Account
    path: Proof

    @property
    def key(self) -> int:
        return exit_key(self.account, self.leaf.token, self.leaf.eth_address)

    @property
    def public_signals(self) -> tuple[int, int, int]:
        """(root, key, balance): the exit circuit's public inputs, in order, as the contract passes them."""
        return self.root, self.key, self.leaf.balance

    def circuit_input(self) -> dict[str, Any]:
        leaf = self.leaf
        return {
            "root": str(self.root),
            "key": str(self.key),
            "balance": str(leaf.balance),
            "account": str(self.account),
            "token": str(leaf.token),
            "owner": str(leaf.eth_address),
            "pkh": str(leaf.pkh),
            "nonce": str(leaf.nonce),
            "path": [[str(s) for s in level] for level in self.path],
        }


def exit_claim(state: L2State, account: int) -> ExitClaim:
    """The claim of account `account` in `state` (the state at R); refused for an empty account or a zero
    balance, which have nothing to exit."""
    leaf = state.account(account)
    if not leaf.exists:
        raise TxRejected("unknown_account", f"account {account} does not exist in this state")
    if leaf.balance == 0:
        raise TxRejected("nothing_to_exit", f"account {account} holds nothing")
    claim = ExitClaim(state.root, account, leaf, state.proof(account))
    assert QuadTree.verify(claim.root, account, leaf.leaf_hash, claim.path)  # the tree's own consistency
    return claim
