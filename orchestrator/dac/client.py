"""Talking to the data committee: the sequencer gathers signatures, restore fetches sections.

Nothing a member answers is trusted: a signature counts only if it recovers to that member's address over
this block's digest, and a section only if its sha256 is the hash committed on chain. So a member that is
down, slow or lying costs time, never safety; one honest member is enough to restore.
"""

from __future__ import annotations

import hashlib
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_keys.exceptions import BadSignature

from orchestrator.config.committee import CommitteeConfig, MemberConfig
from orchestrator.errors import RollupError
from orchestrator.jsonrpc.client import call
from orchestrator.l2.chainhash import availability_digest

log = logging.getLogger("dac")


class DataUnavailable(RollupError):
    """No committee member served a section whose hash matches what the chain committed."""


@dataclass
class Gathered:
    """One block's round with the committee: the signatures blob once enough members signed, and what
    went wrong with the others (member name -> reason)."""

    signatures: bytes | None
    signers: list[str] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)


def encode_signatures(signatures: dict[str, bytes]) -> bytes:
    """The commit's blob (docs/protocol.md section 7): a count byte, then each 65-byte signature, signers
    in strictly ascending address order."""
    ordered = sorted(signatures.items(), key=lambda item: int(item[0], 16))
    return bytes([len(ordered)]) + b"".join(sig for _, sig in ordered)


class CommitteeClient:
    """`operator_key` signs each store request (members store and sign only what the operator asks);
    restore, which only fetches, needs none."""

    def __init__(self, committee: CommitteeConfig, domain: int, operator_key: str | None = None) -> None:
        self.committee = committee
        self.domain = domain
        self.timeout = committee.timeout_ms / 1000
        self.operator = Account.from_key(operator_key) if operator_key else None

    def gather(self, block_number: int, section: bytes) -> Gathered:
        """Ask every member at once to store `section` and sign for block `block_number`; keep the valid
        signatures. `signatures` is None when fewer than the threshold came back."""
        if self.operator is None:
            raise RollupError("asking the committee to store a block needs the operator's key")
        data_hash = hashlib.sha256(section).digest()
        digest = availability_digest(self.domain, block_number, data_hash)
        request = bytes(self.operator.sign_message(encode_defunct(primitive=digest)).signature)
        members = self.committee.members
        with ThreadPoolExecutor(max_workers=len(members)) as pool:
            answers = list(pool.map(lambda m: self._sign(m, block_number, section, request, digest), members))
        valid: dict[str, bytes] = {}
        gathered = Gathered(None)
        for member, (signature, problem) in zip(members, answers, strict=True):
            if signature is None:
                gathered.problems[member.name] = problem
            else:
                valid[member.address] = signature
                gathered.signers.append(member.name)
        if len(valid) >= self.committee.threshold:
            gathered.signatures = encode_signatures(valid)
        return gathered

    def _sign(
        self, member: MemberConfig, block_number: int, section: bytes, request: bytes, digest: bytes
    ) -> tuple[bytes | None, str]:
        try:
            answer = call(
                member.url,
                "dac_store",
                block_number,
                "0x" + section.hex(),
                "0x" + hashlib.sha256(section).hexdigest(),
                "0x" + request.hex(),
                timeout=self.timeout,
                daemon=f"committee member {member.name}",
            )
            signature = bytes.fromhex(str(answer["signature"])[2:])
            signer = Account.recover_message(encode_defunct(primitive=digest), signature=signature)
        except (RollupError, BadSignature, KeyError, TypeError, ValueError) as exc:
            return None, str(exc) or type(exc).__name__
        if signer != member.address:
            return None, f"its signature recovers to {signer}, not to its address {member.address}"
        return signature, ""

    def fetch(self, data_hash: bytes) -> bytes:
        """The section whose sha256 is `data_hash`, from the first member that serves it right; raises
        `DataUnavailable` naming what each member answered otherwise."""
        problems = []
        for member in self.committee.members:
            try:
                answer = call(
                    member.url,
                    "dac_get",
                    "0x" + data_hash.hex(),
                    timeout=self.timeout,
                    daemon=f"committee member {member.name}",
                )
                section = bytes.fromhex(str(answer["data"])[2:])
            except (RollupError, KeyError, TypeError, ValueError) as exc:
                problems.append(f"{member.name}: {exc}")
                continue
            if hashlib.sha256(section).digest() == data_hash:
                return section
            log.warning("committee member %s served data that is not 0x%s", member.name, data_hash.hex())
            problems.append(f"{member.name}: served data of another hash")
        raise DataUnavailable(f"no committee member serves 0x{data_hash.hex()} ({'; '.join(problems)})")
