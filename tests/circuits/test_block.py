"""The `test` profile block circuit (Block(8, 2, 2, 0)) against the Python reference: a chain of blocks
mixing every operation type, the public input against hashlib, and block-level rejections."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from orchestrator.prover.compile import CompiledCircuit
from tests.circuits import reference as ref
from tests.circuits.harness import fails, run

Circuit = Callable[[str], CompiledCircuit]
TEST_MAIN = "circuits/main/test.circom"
DEPTH, N_OP, N_TX = 8, 2, 2
DOMAIN = int.from_bytes(hashlib.sha256(b"block tests").digest(), "big") >> 8
ALICE, BOB, CAROL = ref.key(11), ref.key(12), ref.key(13)
ALICE_ADDR, BOB_ADDR, CAROL_ADDR = 0xA11CE, 0xB0B << 100, (1 << 160) - 1


@pytest.fixture(scope="module")
def block(circuit: Circuit) -> CompiledCircuit:
    return circuit(TEST_MAIN)


def test_interface(block: CompiledCircuit) -> None:
    # One public signal (the output public_input), every input private.
    assert (block.header.n_pub_out, block.header.n_pub_in) == (1, 0)


def _blocks() -> list[tuple[dict[str, Any], int]]:
    """Four consecutive blocks from genesis, covering every operation type and Noop padding."""
    tree = ref.Tree(DEPTH)
    out = []

    b = ref.BlockBuilder(DEPTH, N_OP, N_TX, DOMAIN, tree)
    b.deposit(1, 1, 0, 10**18, ALICE_ADDR, ref.pkh_of(ALICE))
    b.deposit(2, 2, 0, 5 * 10**17, BOB_ADDR, ref.pkh_of(BOB))
    b.transfer(ALICE, 1, 2, ref.pack_amount(1, 17))
    out.append(b.finish(1, 1_700_000_000))

    b = ref.BlockBuilder(DEPTH, N_OP, N_TX, DOMAIN, tree)
    b.withdraw(ALICE, 3, 1, 10**17, CAROL_ADDR)
    b.full_exit(2, 2, 0, ALICE_ADDR)  # not Bob's address: exits nothing
    b.transfer(BOB, 2, 1, ref.pack_amount(3, 16))
    b.transfer(ALICE, 1, 1, ref.pack_amount(12345, 3))
    out.append(b.finish(2, 1_700_000_012))

    b = ref.BlockBuilder(DEPTH, N_OP, N_TX, DOMAIN, tree)
    b.full_exit(8, 2, 0, BOB_ADDR)
    b.deposit(4, 255, 0xFFFF, (1 << 128) - 1, CAROL_ADDR, ref.pkh_of(CAROL))
    out.append(b.finish(3, (1 << 64) - 1))

    b = ref.BlockBuilder(DEPTH, N_OP, N_TX, DOMAIN, tree)
    out.append(b.finish((1 << 64) - 1, 0))
    return out


BLOCKS = _blocks()


@pytest.mark.parametrize("number", range(len(BLOCKS)), ids=[f"block{i + 1}" for i in range(len(BLOCKS))])
def test_block_public_input(block: CompiledCircuit, workdir: Path, number: int) -> None:
    inputs, expected = BLOCKS[number]
    assert run(block, inputs, workdir).outputs == (expected,)


def test_block_rejections(block: CompiledCircuit, workdir: Path) -> None:
    inputs, _ = BLOCKS[1]

    def with_slot(name: str, slot: int, value: Any) -> dict[str, Any]:
        values = list(inputs[name])
        values[slot] = value
        return {**inputs, name: values}

    # A transfer's amount changed after signing; a withdrawal's address changed after signing.
    assert fails(block, with_slot("tx_amount_packed", 0, ref.pack_amount(4, 16)), workdir)
    assert fails(block, with_slot("op_address", 0, ALICE_ADDR), workdir)
    # The withdrawal's signature dropped (as if its check could be switched off).
    assert fails(block, with_slot("op_sig", 0, [0, 0, 0, 0, 0]), workdir)
    # A slot proved against a root other than the one the previous slot produced.
    assert fails(block, {**inputs, "old_root": inputs["old_root"] + 1}, workdir)
    # Header fields beyond their widths.
    assert fails(block, {**inputs, "domain": 1 << 248}, workdir)
    assert fails(block, {**inputs, "block_number": 1 << 64}, workdir)
    assert fails(block, {**inputs, "timestamp": 1 << 64}, workdir)
