"""The `test` profile block circuit against the production L2 model (orchestrator/l2): blocks built with
`build_block` mixing every operation type, their `circuit_input()` run through the circuit, and the
circuit's public_input compared with the model's."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from orchestrator.crypto.eddsa import PrivateKey
from orchestrator.l2.account import pkh_of
from orchestrator.l2.block import Block, build_block
from orchestrator.l2.chainhash import domain
from orchestrator.l2.params import ROLLUP, VALIDIUM, get_profile
from orchestrator.l2.state import L2State
from orchestrator.l2.tx import Deposit, FullExit, Transfer, Withdraw
from orchestrator.prover.compile import CompiledCircuit
from tests.circuits.harness import fails, run

Circuit = Callable[[str], CompiledCircuit]
TEST_MAIN = "circuits/main/test.circom"
VALIDIUM_MAIN = "circuits/main/test_validium.circom"
DOMAIN = domain(31337, "0x5fbdb2315678afecb367f032d93f642f64180aa3")
ALICE, BOB, CAROL = (PrivateKey(bytes([i]) * 32) for i in (21, 22, 23))
ADDR_A, ADDR_B, ADDR_C = (int(c * 40, 16) for c in "abc")
ETHER = 10**18


def _pkh(key: PrivateKey) -> int:
    return pkh_of(key.public_key)


def _model_blocks(mode: str = ROLLUP) -> list[Block]:
    state = L2State(get_profile("test", mode))
    blocks = []
    blocks.append(
        build_block(
            state,
            number=1,
            timestamp=1_700_000_000,
            domain=DOMAIN,
            ops=[
                Deposit(1, 0, 0, ETHER, ADDR_A, _pkh(ALICE)),
                Deposit(2, 0, 0, ETHER // 2, ADDR_B, _pkh(BOB)),
            ],
            transfers=[Transfer(0, 1, 10**17, 0).sign(ALICE, DOMAIN)],
        )
    )
    alice, bob = 0, 1
    assert (state.account(alice).pkh, state.account(bob).pkh) == (_pkh(ALICE), _pkh(BOB))
    blocks.append(
        build_block(
            state,
            number=2,
            timestamp=1_700_000_012,
            domain=DOMAIN,
            ops=[
                Withdraw(alice, 2, ADDR_C, 10**17, 1).sign(ALICE, DOMAIN),  # paid on chain 2
                FullExit(1, 0, bob, 0, ADDR_A),  # not Bob's address: exits nothing
            ],
            transfers=[
                Transfer(bob, alice, 3 * 10**16, 0).sign(BOB, DOMAIN),
                Transfer(alice, bob, 12_345_000, 2).sign(ALICE, DOMAIN),
            ],
        )
    )
    blocks.append(
        build_block(
            state,
            number=3,
            timestamp=1_700_000_024,
            domain=DOMAIN,
            ops=[FullExit(2, 1, bob, 0, ADDR_B), Deposit(3, 0, 7, 5, ADDR_C, _pkh(CAROL))],
        )
    )
    blocks.append(build_block(state, number=4, timestamp=1_700_000_036, domain=DOMAIN))
    return blocks


@pytest.fixture(scope="module")
def model_blocks() -> list[Block]:
    return _model_blocks()


@pytest.fixture(scope="module")
def block_circuit(circuit: Circuit) -> CompiledCircuit:
    return circuit(TEST_MAIN)


def test_model_blocks_cover_every_type(model_blocks: list[Block]) -> None:
    op_types = {r.type for b in model_blocks for r in b.op_records}
    tx_types = {r.type for b in model_blocks for r in b.l2_records}
    assert op_types == {0, 1, 2, 3} and tx_types == {0, 4}
    exits = [r.amount for b in model_blocks for r in b.op_records if r.type == 3]
    assert exits == [0, ETHER // 2 + 10**17 - 3 * 10**16 + 12_345_000]


@pytest.mark.parametrize("number", range(4), ids=[f"block{i + 1}" for i in range(4)])
def test_circuit_matches_model(
    block_circuit: CompiledCircuit, model_blocks: list[Block], workdir: Path, number: int
) -> None:
    block = model_blocks[number]
    assert run(block_circuit, block.circuit_input(), workdir).outputs == (block.public_input,)


def test_tampered_model_block_fails(
    block_circuit: CompiledCircuit, model_blocks: list[Block], workdir: Path
) -> None:
    inputs = model_blocks[1].circuit_input()
    # The second transfer's receiver changed after signing.
    bad = {**inputs, "tx_to": [inputs["tx_to"][0], "2"]}
    assert fails(block_circuit, bad, workdir)
    # The withdrawal's amount changed after signing.
    bad = {**inputs, "op_amount": ["1", inputs["op_amount"][1]]}
    assert fails(block_circuit, bad, workdir)


def test_protocol_vectors(block_circuit: CompiledCircuit, workdir: Path) -> None:
    """docs/protocol.md section 11's blocks (orchestrator.l2.vectors) through the circuit."""
    from orchestrator.l2 import vectors

    blocks = vectors._blocks(domain(vectors.PRIMARY_EVM_CHAIN_ID, vectors.PRIMARY_ROLLUP))
    # These blocks' constraint satisfaction is checked by the other tests of this module.
    computed = [run(block_circuit, b.circuit_input(), workdir, check=False).outputs[0] for b in blocks]
    assert computed == [b.public_input for b in blocks]
    assert _documented_public_inputs(ROLLUP) == computed


def _documented_public_inputs(mode: str) -> list[int]:
    """The `public_input =` lines of docs/protocol.md section 11, for one mode's blocks."""
    from orchestrator.l2 import vectors

    documented = vectors.documented_block(vectors.protocol_path().read_text(encoding="utf-8"))
    rollup, _, validium = documented.partition("## Validium mode")
    text = validium if mode == VALIDIUM else rollup
    return [int(line.split("=", 1)[1]) for line in text.splitlines() if line.startswith("public_input =")]


@pytest.fixture(scope="module")
def validium_circuit(circuit: Circuit) -> CompiledCircuit:
    return circuit(VALIDIUM_MAIN)


def test_validium_circuit_matches_model_and_vectors(validium_circuit: CompiledCircuit, workdir: Path) -> None:
    """Validium mode: the circuit hashes the L2 section itself (sha256, the data hash the committee
    signs), so the same blocks give other public inputs, the ones the model and section 11 give."""
    from orchestrator.l2 import vectors

    for block, rollup_block in zip(_model_blocks(VALIDIUM), _model_blocks(ROLLUP), strict=True):
        assert block.new_root == rollup_block.new_root and block.public_input != rollup_block.public_input
    dom = domain(vectors.PRIMARY_EVM_CHAIN_ID, vectors.PRIMARY_ROLLUP)
    blocks = vectors._blocks(dom, VALIDIUM)  # every record type, transfers included
    computed = [run(validium_circuit, b.circuit_input(), workdir).outputs[0] for b in blocks]
    assert computed == [b.public_input for b in blocks]
    assert _documented_public_inputs(VALIDIUM) == computed


def test_validium_circuit_refuses_a_changed_transfer(
    validium_circuit: CompiledCircuit, workdir: Path
) -> None:
    """A transfer changed after signing fails in Validium mode too: the section is hashed, not trusted."""
    inputs = _model_blocks(VALIDIUM)[1].circuit_input()
    bad = {**inputs, "tx_to": [inputs["tx_to"][0], "2"]}
    assert fails(validium_circuit, bad, workdir)
