"""TEST-ONLY devnet users: anvil's well-known funded accounts 5..8 (public keys, never for real value) with
fixed L2 keys. The demo's story, the tests and the benchmarks use them."""

from __future__ import annotations

from orchestrator.crypto.eddsa import PrivateKey
from orchestrator.wallet.keys import Wallet

ETHER = 10**18
ANVIL_USER_KEYS = {  # TEST-ONLY: anvil's default accounts 5, 6, 7, 8
    "alice": "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "bob": "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "carol": "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "dave": "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
}


User = Wallet  # a TEST-ONLY user is a wallet with fixed keys

USERS = {
    name: Wallet(name, key, PrivateKey(bytes([0x40 + i]) * 32))
    for i, (name, key) in enumerate(ANVIL_USER_KEYS.items())
}
