"""A data-availability committee member (`rollup dac --member NAME`, docs/validium.md).

It takes a block's L2 section, stores it durably, and only then signs the block's availability digest
(docs/protocol.md section 7); it serves what it holds by data hash. JSON-RPC over HTTP on 127.0.0.1 at its
port, with the sequencer's server and limits:

- `dac_store(block_number, data, data_hash, request)`: `data` the section (0x-hex, exactly N_TX * 14
  bytes), `data_hash` its sha256 as the caller computed it, `request` the operator's EIP-191 signature
  over the same availability digest the member signs. Refused, with nothing stored or signed, when any
  is malformed, the hash does not match, or the request is not the operator's: a stranger can neither
  fill the member's disk nor collect its signatures. Returns the member's address and its signature
  (r || s || v).
- `dac_get(data_hash)`: the section stored under that hash, or a not-found error.
- `dac_health()`: the member's name, address, deployment domain and counts.

GET /metrics and GET /health on the same port (orchestrator/metrics).
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_keys.exceptions import BadSignature

from orchestrator.chain.addresses import ROLLUP, read_deployments
from orchestrator.config import DeploymentConfig
from orchestrator.dac.store import MemberStore
from orchestrator.devnet.lifecycle import DaemonLock, stale_after_s
from orchestrator.errors import ConfigError
from orchestrator.jsonrpc.server import INVALID_PARAMS, NOT_FOUND, JsonRpcServer, RpcError
from orchestrator.l2.chainhash import availability_digest, domain
from orchestrator.l2.params import L2_RECORD_BYTES
from orchestrator.metrics.http import Health, Rounds, health_doc, routes
from orchestrator.metrics.member import MemberMetrics

log = logging.getLogger("dac")

_HEX = re.compile(r"^0x(?:[0-9a-fA-F]{2})*$")
FAULTS = ("wrong-data", "sign-without-storing", "slow")
"""TEST-ONLY misbehaviours (`--test-fault`, refused unless every chain is a local devnet): serve a wrong
section, sign without storing, answer after SLOW_S. Tests show the sequencer and restore survive them."""
SLOW_S = 5.0
UNAUTHORIZED = -32003  # a store request not signed by the deployment's operator


def _hex(value: Any, what: str, size: int | None = None) -> bytes:
    if not isinstance(value, str) or not _HEX.match(value):
        raise RpcError(INVALID_PARAMS, f"{what} must be 0x-prefixed hex bytes")
    data = bytes.fromhex(value[2:])
    if size is not None and len(data) != size:
        raise RpcError(INVALID_PARAMS, f"{what} must be {size} bytes, got {len(data)}")
    return data


def _signer(digest: bytes, signature: bytes) -> str | None:
    try:
        return str(Account.recover_message(encode_defunct(primitive=digest), signature=signature))
    except (BadSignature, ValueError, TypeError):  # no valid signature (a bad v, r or s out of range)
        return None


class Member:
    """One member's methods over its store and key."""

    def __init__(self, config: DeploymentConfig, name: str, home: Path, fault: str | None = None) -> None:
        committee = config.committee
        if committee is None:
            raise ConfigError(f'{config.path}: not a Validium deployment ([rollup] mode = "validium")')
        try:
            self.me = committee.member(name)
        except KeyError as exc:
            raise ConfigError(f"{config.path}: {exc.args[0]}") from None
        if fault is not None:
            if fault not in FAULTS:
                raise ConfigError(f"unknown test fault {fault!r} (known: {', '.join(FAULTS)})")
            if not all(c.is_local for c in config.chains):
                raise ConfigError("--test-fault is TEST-ONLY: refused unless every chain is a local devnet")
        self.fault = fault
        primary = read_deployments(home).chains[config.primary.name]
        self.domain = domain(primary.evm_chain_id, primary.contracts[ROLLUP].address)
        self.section_bytes = config.rollup.circuit.n_tx * L2_RECORD_BYTES
        self.account = Account.from_key(self.me.key)
        # TEST-ONLY devnet: the operator's address from its key in the devnet file
        self.operator = Account.from_key(config.keys.operator).address
        self.store = MemberStore(home / "dac" / f"{name}.db")
        self.metrics = MemberMetrics()
        self.held = 0  # sections in the store, as last counted
        self._count_held()
        self.rounds = Rounds(stale_after_s(config.block_time))

    @property
    def methods(self) -> dict[str, Any]:
        return {"dac_store": self.dac_store, "dac_get": self.dac_get, "dac_health": self.dac_health}

    def dac_store(self, block_number: Any, data: Any, data_hash: Any, request: Any) -> dict[str, str]:
        try:
            signed = self._store(block_number, data, data_hash, request)
        except RpcError as exc:
            reason = "unauthorized" if exc.code == UNAUTHORIZED else "invalid_params"
            self.metrics.refused.labels(reason).inc()
            raise
        self.metrics.signatures.inc()
        return signed

    def _store(self, block_number: Any, data: Any, data_hash: Any, request: Any) -> dict[str, str]:
        if type(block_number) is not int or not 1 <= block_number < 1 << 64:
            raise RpcError(INVALID_PARAMS, "block_number must be an integer in 1..2^64-1")
        section = _hex(data, "data", self.section_bytes)
        claimed = _hex(data_hash, "data_hash", 32)
        actual = hashlib.sha256(section).digest()
        if actual != claimed:
            raise RpcError(
                INVALID_PARAMS, f"data_hash 0x{claimed.hex()} is not the data's sha256 0x{actual.hex()}"
            )
        digest = availability_digest(self.domain, block_number, actual)
        asked_by = _signer(digest, _hex(request, "request", 65))
        if asked_by != self.operator:
            raise RpcError(UNAUTHORIZED, f"the request is signed by {asked_by}, not by the operator")
        self._slow()
        if self.fault != "sign-without-storing":
            self.store.put(actual, section)  # durable before the signature leaves
            self._count_held()
        signature = bytes(self.account.sign_message(encode_defunct(primitive=digest)).signature)
        self.store.record_signature(block_number, actual, signature)
        log.info("block %d: stored and signed 0x%s", block_number, actual.hex())
        return {"signer": self.account.address, "signature": "0x" + signature.hex()}

    def dac_get(self, data_hash: Any) -> dict[str, str]:
        wanted = _hex(data_hash, "data_hash", 32)
        self._slow()
        section = self.store.get(wanted)
        if section is None:
            raise RpcError(NOT_FOUND, f"no data under 0x{wanted.hex()}")
        if self.fault == "wrong-data":
            section = bytes([section[0] ^ 1]) + section[1:]
        self.metrics.served.inc()
        return {"data": "0x" + section.hex()}

    def dac_health(self) -> dict[str, Any]:
        sections, signatures = self.store.counts()
        return {
            "member": self.me.name,
            "address": self.account.address,
            "domain": hex(self.domain),
            "sections": sections,
            "signatures": signatures,
        }

    def health(self) -> Health:
        """GET /health: not ok once its loop stopped beating (the server threads still answer)."""
        return health_doc(
            f"dac-{self.me.name}",
            self.rounds.problems(),
            member=self.me.name,
            address=self.account.address,
            blocks_held=self.held,
            last_round_s_ago=round(self.rounds.age(), 1),
        )

    def _count_held(self) -> None:
        self.held = self.store.counts()[0]
        self.metrics.blocks_held.set(self.held)

    def _slow(self) -> None:
        if self.fault == "slow":
            time.sleep(SLOW_S)

    def run(self, stop: threading.Event, lock: DaemonLock | None = None) -> None:
        """Serve until `stop`, beating the lock's heartbeat every second."""
        server = JsonRpcServer(
            "127.0.0.1", self.me.port, self.methods, routes=routes(self.metrics.registry, self.health)
        )
        server.start()
        log.info(
            "committee member %s (%s) serving on %s%s",
            self.me.name,
            self.account.address,
            self.me.url,
            f" with TEST-ONLY fault {self.fault}" if self.fault else "",
        )
        try:
            while not stop.is_set():
                if lock is not None:
                    lock.heartbeat()
                self.rounds.beat()
                stop.wait(1.0)
        finally:
            server.stop()
            self.store.close()
            log.info("committee member %s stopped", self.me.name)
