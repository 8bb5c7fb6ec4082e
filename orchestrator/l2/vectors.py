"""Worked examples of the protocol, printed as a markdown block for docs/protocol.md section 11.

`python -m orchestrator.l2.vectors` prints them; `--write` replaces the text between the
`<!-- vectors:begin -->` and `<!-- vectors:end -->` markers of docs/protocol.md. Everything comes from
fixed 32-byte private keys and fixed inputs, so the output never changes unless the protocol does.

The test profile has two on-chain slots, so the scenario takes three blocks: two deposits (one paid for by
a third party: the account is the one the request names) and two transfers; a withdrawal, an owner's full
exit and a transfer; a non-owner's full exit (amount 0).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from eth_account import Account as L1Account

from orchestrator.crypto.eddsa import PrivateKey
from orchestrator.l2.account import Account, int_to_address, pkh_of
from orchestrator.l2.amounts import pack_amount
from orchestrator.l2.block import Block, build_block
from orchestrator.l2.chainhash import (
    ZERO_HASH,
    availability_digest,
    deposit_request_hash,
    domain,
    full_exit_request_hash,
    next_sync_hashes,
    op_hash,
    signed_digest,
)
from orchestrator.l2.params import ROLLUP, VALIDIUM, get_profile
from orchestrator.l2.state import L2State
from orchestrator.l2.tree import empty_hashes
from orchestrator.l2.tx import Deposit, FullExit, Transfer, Withdraw
from orchestrator.paths import repo_root

BEGIN = "<!-- vectors:begin -->"
END = "<!-- vectors:end -->"

PRIMARY_EVM_CHAIN_ID = 31337
PRIMARY_ROLLUP = "0x5fbdb2315678afecb367f032d93f642f64180aa3"
KEYS = {name: PrivateKey(bytes([i]) * 32) for i, name in enumerate(("alice", "bob", "carol"), start=1)}
ADDRESSES = {
    "alice": 0x11 * (2**160 - 1) // 0xFF,
    "bob": 0x22 * (2**160 - 1) // 0xFF,
    "carol": 0x33 * (2**160 - 1) // 0xFF,
}
ETHER = 10**18
TIMESTAMP = 1_700_000_000
CHAINS = (1, 2, 3)
DAC_MEMBER_KEY = bytes([7]) * 32  # TEST-ONLY: a committee member's key for the Validium vectors
PACKED_EXAMPLES = (0, 1, 10**18, 123_456_789 * 10**12, 2**35 - 1, 34_359_738_370)


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


def _root(value: int) -> str:
    return _hex(value.to_bytes(32, "big"))


def _blocks(dom: int, mode: str = ROLLUP) -> list[Block]:
    """The three-block scenario, on a fresh test-profile state, in data mode `mode`."""
    state = L2State(get_profile("test", mode))
    pkh = {name: pkh_of(key.public_key) for name, key in KEYS.items()}
    alice, bob = KEYS["alice"], KEYS["bob"]
    a_addr, b_addr, c_addr = (ADDRESSES[n] for n in ("alice", "bob", "carol"))
    b1 = build_block(
        state,
        number=1,
        timestamp=TIMESTAMP,
        domain=dom,
        ops=[
            Deposit(chain=1, serial=0, token=0, amount=ETHER, address=a_addr, pkh=pkh["alice"]),
            Deposit(chain=2, serial=0, token=0, amount=ETHER // 2, address=b_addr, pkh=pkh["bob"]),
        ],
        transfers=[
            Transfer(0, 1, ETHER // 10, 0).sign(alice, dom),
            Transfer(1, 0, ETHER // 4, 0).sign(bob, dom),
        ],
    )
    b2 = build_block(
        state,
        number=2,
        timestamp=TIMESTAMP + 12,
        domain=dom,
        ops=[
            Withdraw(0, chain=2, address=a_addr, amount=3 * ETHER // 10, nonce=1).sign(alice, dom),
            FullExit(chain=1, serial=1, account_index=1, token=0, address=b_addr),
        ],
        transfers=[Transfer(0, 1, ETHER // 20, 2).sign(alice, dom)],
    )
    b3 = build_block(
        state,
        number=3,
        timestamp=TIMESTAMP + 24,
        domain=dom,
        ops=[FullExit(chain=1, serial=2, account_index=0, token=0, address=c_addr)],
    )
    return [b1, b2, b3]


def generate() -> str:
    """The whole markdown block (a fenced `text` block), ending with a newline."""
    out: list[str] = []
    add = out.append
    dom = domain(PRIMARY_EVM_CHAIN_ID, PRIMARY_ROLLUP)
    add("## deployment")
    add(f"domain({PRIMARY_EVM_CHAIN_ID}, {PRIMARY_ROLLUP}) = {dom}")
    add("")
    add("## keys (private key = the byte 0x01, 0x02, 0x03 repeated 32 times)")
    for name, key in KEYS.items():
        pub = key.public_key
        add(f"{name}.prv = {_hex(key.key)}")
        add(f"{name}.Ax = {pub.x}")
        add(f"{name}.Ay = {pub.y}")
        add(f"{name}.pkh = {pkh_of(pub)} = {_hex(pkh_of(pub).to_bytes(20, 'big'))}")
        add(f"{name}.address = {int_to_address(ADDRESSES[name])}")
    add("")
    add("## leaf")
    acct = Account(pkh_of(KEYS["alice"].public_key), ADDRESSES["alice"], 0, ETHER, 0)
    add(f"leaf(alice.pkh, alice.address, token 0, balance {ETHER}, nonce 0) = {acct.leaf_hash}")
    add("")
    add("## empty tree, D = 8 (Z_4 is the genesis state root)")
    for k, z in enumerate(empty_hashes(4)):
        add(f"Z_{k} = {z}")
    add("")
    add("## packed amounts (value -> packed, hex of the 5 bytes)")
    for value in PACKED_EXAMPLES:
        packed = pack_amount(value)
        add(f"{value} -> {packed} = {_hex(packed.to_bytes(5, 'big'))}")
    add("")
    add("## signed messages")
    t = Transfer(0, 1, ETHER // 10, 0).sign(KEYS["alice"], dom)
    assert t.signature is not None
    add(f"transfer(from 0, to 1, amount {t.amount}, nonce 0) by alice: m = {t.message(dom)}")
    add(f"  R8x = {t.signature.r8x}")
    add(f"  R8y = {t.signature.r8y}")
    add(f"  S = {t.signature.s}")
    w = Withdraw(0, chain=2, address=ADDRESSES["alice"], amount=3 * ETHER // 10, nonce=1)
    add(f"withdraw(from 0, chain 2, alice.address, amount {w.amount}, nonce 1): m = {w.message(dom)}")
    add("")
    add("## priority requests (the hash each chain's queue keeps; the sender is in none of them)")
    bob_pkh = pkh_of(KEYS["bob"].public_key)
    d = deposit_request_hash(2, 0, ETHER // 2, ADDRESSES["bob"], bob_pkh)
    add(f"deposit(chain 2, token 0, amount {ETHER // 2}, owner bob.address, bob.pkh), paid by carol:")
    add(f"  = {_hex(d)}")
    e = full_exit_request_hash(1, 1, 0, ADDRESSES["bob"])
    add(f"full_exit(chain 1, account 1, token 0, requester bob.address) = {_hex(e)}")
    e = full_exit_request_hash(1, 0, 0, ADDRESSES["carol"])
    add(f"full_exit(chain 1, account 0, token 0, requester carol.address) = {_hex(e)}")
    add("")
    add("## blocks (test profile: D = 8, N_OP = 2, N_TX = 2)")
    add("block 1: deposit 1 ETH to alice from chain 1 (account 0), 0.5 ETH to bob from chain 2 (account 1,")
    add("         paid by carol: the request names bob's key and address, so the account is bob's);")
    add("         transfers alice -> bob 0.1 ETH, bob -> alice 0.25 ETH")
    add("block 2: alice withdraws 0.3 ETH to chain 2; bob's full exit from chain 1 (0.35 ETH);")
    add("         transfer alice -> bob 0.05 ETH; one Noop L2 slot")
    add("block 3: carol requests a full exit of account 0 from chain 1: not the owner, amount 0")
    sync = dict.fromkeys(CHAINS, ZERO_HASH)
    for block in _blocks(dom):
        add("")
        add(f"### block {block.number}, timestamp {block.timestamp}")
        add(f"old_root = {block.old_root}")
        add(f"new_root = {block.new_root}")
        for i, op in enumerate(block.op_records):
            add(f"op_record[{i}] = {_hex(op.encode())}")
        for i, rec in enumerate(block.l2_records):
            add(f"l2_record[{i}] = {_hex(rec.encode())}")
        add(f"header = {_hex(block.header)}")
        add(f"public_data = {_hex(block.public_data)}")
        add(f"commitment = {_hex(block.commitment)}")
        add(f"public_input = {block.public_input}")
        sync = next_sync_hashes(sync, block.number, block.new_root, block.op_records, CHAINS)
        for c in CHAINS:
            add(f"h_{c} = {_hex(op_hash(block.op_records, c))}")
        for c in CHAINS:
            add(f"S_{c} = {_hex(sync[c])}")
    _validium(add, dom)
    return "```text\n" + "\n".join(out) + "\n```\n"


def _validium(add: Callable[[str], None], dom: int) -> None:
    """Section 7's Validium encoding, for the same blocks: the data hash, what the primary receives and
    what a committee member signs."""
    member = L1Account.from_key(DAC_MEMBER_KEY)
    add("")
    add("## Validium mode: the same blocks (same roots, records, h_c and S_c)")
    add(f"committee member key = {_hex(DAC_MEMBER_KEY)}, address {member.address}")
    for block in _blocks(dom, VALIDIUM):
        data_hash = hashlib.sha256(block.l2_section).digest()
        digest = availability_digest(dom, block.number, data_hash)
        signature = member.unsafe_sign_hash(signed_digest(digest)).signature
        add("")
        add(f"### block {block.number} (Validium)")
        add(f"data_hash = sha256(l2_section) = {_hex(data_hash)}")
        add(f"committed_data = {_hex(block.committed_data)}")
        add(f"commitment = {_hex(block.commitment)}")
        add(f"public_input = {block.public_input}")
        add(f"availability_digest = {_hex(digest)}")
        add(f"member signature (r || s || v) = {_hex(bytes(signature))}")


def protocol_path() -> Path:
    return repo_root() / "docs" / "protocol.md"


def replace_block(document: str, block: str) -> str:
    """`document` with the text between the markers replaced by `block`."""
    start = document.find(BEGIN)
    end = document.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the document lacks the {BEGIN} ... {END} markers")
    return document[: start + len(BEGIN)] + "\n" + block + document[end:]


def documented_block(document: str) -> str:
    """The text between the markers, as `generate` produces it."""
    start = document.find(BEGIN)
    end = document.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the document lacks the {BEGIN} ... {END} markers")
    return document[start + len(BEGIN) : end].removeprefix("\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestrator.l2.vectors", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--write", action="store_true", help="replace the vectors block of docs/protocol.md")
    args = parser.parse_args(argv)
    text = generate()
    if args.write:
        path = protocol_path()
        path.write_text(replace_block(path.read_text(encoding="utf-8"), text), encoding="utf-8")
        print(f"wrote the vectors into {path}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
