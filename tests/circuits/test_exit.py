"""The exodus exit circuit (circuits/exit.circom, docs/exodus.md section 4) against two readings: the
Python model's claim (orchestrator/l2/exit.py over an L2State) and the independent reference tree of
tests/circuits/reference.py. Every public input is bound: another root, key or balance is refused, and so
is a key that reads two ways (an account index outside the tree)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from orchestrator.errors import TxRejected
from orchestrator.l2.exit import exit_claim, exit_key
from orchestrator.l2.params import PROFILES
from orchestrator.l2.state import L2State
from orchestrator.l2.tx import Deposit, FullExit
from orchestrator.prover.compile import CompiledCircuit
from tests.circuits import reference as ref
from tests.circuits.harness import fails, run

Circuit = Callable[[str], CompiledCircuit]
MAIN = "circuits/main/exit_test.circom"  # L = 4
OWNERS = [0xA1 << 152, 0xB2 << 152, 0xC3]


def _state() -> L2State:
    state = L2State(PROFILES["test"])
    for i, owner in enumerate(OWNERS):
        state.apply_deposit(Deposit(1, i, i % 2, 10**18 + i, owner, ref.pkh_of(ref.key(i + 1))))
    return state


@pytest.mark.parametrize("account", [0, 1, 2])
def test_the_model_claim_satisfies_the_circuit(circuit: Circuit, workdir: Path, account: int) -> None:
    state = _state()
    claim = exit_claim(state, account)
    assert run(circuit(MAIN), claim.circuit_input(), workdir).outputs == claim.public_signals
    # the independent reading: the reference tree gives the same root and path
    tree = ref.Tree(8)
    for index, leaf in state.items():
        tree.set(index, (leaf.pkh, leaf.eth_address, leaf.token, leaf.balance, leaf.nonce))
    assert tree.root == claim.root and tree.proof(account) == claim.path


def test_every_public_input_is_bound(circuit: Circuit, workdir: Path) -> None:
    claim = exit_claim(_state(), 1)
    good = claim.circuit_input()
    c = circuit(MAIN)
    bad_inputs = {
        "another root": {**good, "root": str(claim.root + 1)},
        "more balance": {**good, "balance": str(claim.leaf.balance + 1)},
        "another owner in the key": {**good, "key": str(exit_key(1, claim.leaf.token, OWNERS[0]))},
        "another owner in the leaf": {**good, "owner": str(OWNERS[0])},
        "another account": {**good, "account": "0", "key": str(exit_key(0, claim.leaf.token, OWNERS[1]))},
    }
    for what, inputs in bad_inputs.items():
        assert fails(c, inputs, workdir), what


def test_a_key_reads_one_way_only(circuit: Circuit, workdir: Path) -> None:
    """account 1 + 2^32 * token t reads as account 1 of token t; an account index of 2^32 + 1 with
    token t - 1 packs to the same key but is outside the tree, so the range checks refuse it."""
    claim = exit_claim(_state(), 1)
    assert claim.leaf.token == 1
    aliased = {**claim.circuit_input(), "account": str(1 + (1 << 32)), "token": "0"}
    assert exit_key(1 + (1 << 32), 0, OWNERS[1]) == claim.key
    assert fails(circuit(MAIN), aliased, workdir)


def test_nothing_to_exit_is_refused_by_the_model() -> None:
    state = _state()
    state.apply_full_exit(FullExit(1, 3, 2, 0, OWNERS[2]))  # account 2 exits everything
    assert state.account(2).balance == 0
    for account, code in ((2, "nothing_to_exit"), (7, "unknown_account")):
        with pytest.raises(TxRejected) as err:
            exit_claim(state, account)
        assert err.value.code == code
