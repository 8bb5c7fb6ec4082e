"""Fixtures of the prover tests: the toy circuit's proof and its generated verifier on a live anvil node
(started on a free port with --prune-history, so nothing piles up under ~/.foundry, and stopped in
teardown)."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
from web3 import Web3
from web3.contract import Contract

from orchestrator.contracts.compiler import compile_standard_json
from orchestrator.paths import anvil_binary
from orchestrator.prover.solidity_verifier import write_verifier
from tests.prover.test_pipeline import ToyRun, prove_toy


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def w3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web3]:
    port = free_port()
    log = (tmp_path_factory.mktemp("anvil") / "anvil.log").open("w")
    node = subprocess.Popen(
        [anvil_binary(), "--port", str(port), "--prune-history", "--quiet"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        web3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}", request_kwargs={"timeout": 10}))
        deadline = time.monotonic() + 15
        while not web3.is_connected():
            if node.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"anvil did not start on port {port} (exit {node.poll()})")
            time.sleep(0.05)
        yield web3
    finally:
        node.terminate()
        try:
            node.wait(timeout=5)
        except subprocess.TimeoutExpired:
            node.kill()
            node.wait()
        log.close()


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> ToyRun:
    return prove_toy(tmp_path_factory.mktemp("toy"))


@pytest.fixture(scope="module")
def verifier(w3: Web3, toy: ToyRun, tmp_path_factory: pytest.TempPathFactory) -> Contract:
    # Each module its own file: parallel workers never read one another's half-written source.
    out = tmp_path_factory.mktemp("verifier") / "ToyVerifier.sol"
    path = write_verifier(toy.keys.verifying_key, out, "ToyVerifier")
    compiled = compile_standard_json({"generated/ToyVerifier.sol": path.read_text()})["ToyVerifier"]
    assert compiled.warnings == ()
    factory = w3.eth.contract(abi=compiled.abi, bytecode=compiled.bytecode)
    receipt = w3.eth.wait_for_transaction_receipt(
        factory.constructor().transact({"from": w3.eth.accounts[0]})
    )
    assert receipt["status"] == 1
    deployed = w3.eth.contract(address=receipt["contractAddress"], abi=compiled.abi)
    assert isinstance(deployed, Contract)  # with an address web3 returns an instance, not the class
    return deployed
