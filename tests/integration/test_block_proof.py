"""One real block, end to end: the model builds it, the `test` circuit proves it, and the proof verifies
in-process (groth16py), with snarkjs (an independent implementation) and in the generated Solidity
verifier on a live anvil chain; a tampered proof or public input fails in all three. The Solidity codecs
(commitment, domain, h_c, S_c) agree with the model on the same block."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from web3 import Web3
from web3.contract import Contract

from orchestrator.chain.connect import connect
from orchestrator.config import load_config
from orchestrator.contracts.compiler import compile_standard_json
from orchestrator.crypto.eddsa import PrivateKey
from orchestrator.devnet.launcher import LocalNodes
from orchestrator.l2.account import pkh_of
from orchestrator.l2.block import Block, build_block, commitment_of, header_bytes, public_input_of
from orchestrator.l2.chainhash import ZERO_HASH, domain, next_sync_hash, op_hash
from orchestrator.l2.params import PROFILES
from orchestrator.l2.state import L2State
from orchestrator.l2.tx import Deposit, Transfer, Withdraw
from orchestrator.prover.compile import compile_circuit
from orchestrator.prover.groth16 import CircuitKeys, Groth16PyBackend, Proof, SnarkjsVerifier
from orchestrator.prover.solidity_verifier import generate_verifier
from tests.chain import deploy, deploy_artifact
from tests.helpers import write_devnet

pytestmark = pytest.mark.integration

ALICE, BOB = PrivateKey(bytes([31]) * 32), PrivateKey(bytes([32]) * 32)
ADDR_A, ADDR_B = int("a1" * 20, 16), int("b2" * 20, 16)
PRIMARY_CHAIN_ID, PRIMARY_ROLLUP = 900001, "0x5FbDB2315678afecb367f032d93F642f64180aa3"


@dataclass
class Proven:
    block: Block
    keys: CircuitKeys
    proof: Proof
    backend: Groth16PyBackend


def _block() -> Block:
    dom = domain(PRIMARY_CHAIN_ID, PRIMARY_ROLLUP)
    state = L2State(PROFILES["test"])
    build_block(
        state,
        number=1,
        timestamp=1_700_000_000,
        domain=dom,
        ops=[
            Deposit(1, 0, 0, 10**18, ADDR_A, pkh_of(ALICE.public_key)),
            Deposit(2, 0, 0, 10**17, ADDR_B, pkh_of(BOB.public_key)),
        ],
    )
    return build_block(
        state,
        number=2,
        timestamp=1_700_000_012,
        domain=dom,
        ops=[Withdraw(0, 1, ADDR_B, 2 * 10**17, 0).sign(ALICE, dom)],
        transfers=[Transfer(0, 1, 10**17, 1).sign(ALICE, dom), Transfer(1, 0, 5 * 10**16, 0).sign(BOB, dom)],
    )


@pytest.fixture(scope="module")
def proven(tmp_path_factory: pytest.TempPathFactory) -> Proven:
    block = _block()
    circuit = compile_circuit("circuits/main/test.circom")
    backend = Groth16PyBackend()
    keys = backend.setup(circuit)
    witness = backend.witness(circuit, block.circuit_input(), tmp_path_factory.mktemp("wtns") / "block.wtns")
    assert witness.public_signals == (block.public_input,), "circuit and model disagree on the public input"
    return Proven(block, keys, backend.prove(keys, witness), backend)


def _tampered(proof: Proof) -> Proof:
    words = list(proof.words())
    words[0] ^= 1  # A.x changes: the point leaves the curve or becomes another point
    return Proof.from_bytes(b"".join(w.to_bytes(32, "big") for w in words))


def test_proof_verifies_in_process_and_with_snarkjs(proven: Proven) -> None:
    vk, public = proven.keys.verifying_key, (proven.block.public_input,)
    assert proven.backend.verify(vk, proven.proof, public)
    assert SnarkjsVerifier().verify(vk, proven.proof, public)
    other = ((proven.block.public_input + 1) % (1 << 253),)
    for verifier in (proven.backend, SnarkjsVerifier()):
        assert not verifier.verify(vk, proven.proof, other)
        assert not verifier.verify(vk, _tampered(proven.proof), public)


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Web3, str]]:
    tmp = tmp_path_factory.mktemp("proofchain")
    path, _ = write_devnet(tmp, n=1, base_chain_id=950000)
    config = load_config(path)
    with LocalNodes(config, tmp / "home"):
        yield connect(config.chains[0]), config.keys.deployer


def _verifier(w3: Web3, key: str, proven: Proven) -> Contract:
    source = generate_verifier(proven.keys.verifying_key, contract_name="BlockVerifier")
    artifact = compile_standard_json({"generated/BlockVerifier.sol": source})["BlockVerifier"]
    return deploy_artifact(w3, key, artifact)


def test_proof_verifies_in_solidity_on_anvil(proven: Proven, chain: tuple[Web3, str]) -> None:
    w3, key = chain
    verifier = _verifier(w3, key, proven)
    a, b, c = proven.proof.evm_args()
    good = verifier.functions.verifyProof(a, b, c, [proven.block.public_input])
    assert good.call() is True
    gas = good.estimate_gas()
    assert gas < 215_000 + 21_000 + 16 * 32 * 9, f"verifyProof costs {gas} gas"
    assert verifier.functions.verifyProof(a, b, c, [proven.block.public_input ^ 1]).call() is False
    # another block's commitment: the proof is bound to this block only
    assert verifier.functions.verifyProof(a, b, c, [_same_data_other_number(proven.block)]).call() is False
    assert verifier.functions.verifyProof(a, b, c, [_same_data_other_domain(proven.block)]).call() is False


def _same_data_other_number(block: Block) -> int:
    header = header_bytes(block.domain, block.number + 1, block.timestamp, block.old_root, block.new_root)
    return public_input_of(commitment_of(header, block.public_data))


def _same_data_other_domain(block: Block) -> int:
    other = domain(PRIMARY_CHAIN_ID + 1, PRIMARY_ROLLUP)
    header = header_bytes(other, block.number, block.timestamp, block.old_root, block.new_root)
    return public_input_of(commitment_of(header, block.public_data))


def test_solidity_codecs_agree_with_the_model(proven: Proven, chain: tuple[Web3, str]) -> None:
    w3, key = chain
    harness = deploy(w3, key, "ProtocolHarness").functions
    block = proven.block
    assert harness.domainOf(PRIMARY_CHAIN_ID, PRIMARY_ROLLUP).call() == block.domain
    commitment, public_input = harness.commitment(
        block.domain,
        block.number,
        block.timestamp,
        block.old_root.to_bytes(32, "big"),
        block.new_root.to_bytes(32, "big"),
        block.public_data,
    ).call()
    assert bytes(commitment) == block.commitment and public_input == block.public_input
    n_op = PROFILES["test"].n_op
    for chain_id in (1, 2, 3):
        assert bytes(harness.opsHash(block.public_data, n_op, chain_id).call()) == op_hash(
            block.op_records, chain_id
        )
    h1 = op_hash(block.op_records, 1)
    expected = next_sync_hash(ZERO_HASH, block.number, block.new_root, block.op_records, 1)
    got = harness.nextSyncHash(ZERO_HASH, block.number, block.new_root.to_bytes(32, "big"), h1).call()
    assert bytes(got) == expected
    record = harness.readOp(block.public_data, 0).call()
    assert record[0] == 2 and record[1] == 1 and record[4] == 2 * 10**17
