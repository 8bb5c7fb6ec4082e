"""The explorer's pages for one thing: a block (its operations decoded, its data's size, its proof, the gas
of every stage on every chain), an account search, and the data committee."""

from __future__ import annotations

import re
from typing import Any

from web3 import Web3

from orchestrator.errors import RollupError
from orchestrator.explorer.model import STAGES, Explorer
from orchestrator.jsonrpc.client import RpcUnavailable, call
from orchestrator.l2.params import OP_RECORD_BYTES
from orchestrator.l2.wire import block_inputs, l2_tx_hash
from orchestrator.wallet.client import SequencerClient
from orchestrator.wallet.keys import WalletError, load_wallet

HIDDEN = {"public_key", "signature", "pkh"}  # long and unreadable; the block's proof covers them


class NotFound(RollupError):
    """What the explorer was asked for does not exist (answered 404)."""


def block_detail(ex: Explorer, number: int) -> dict[str, Any]:
    store = ex.sequencer_store()
    stored = store.block(number) if store is not None else None
    if stored is None:
        last = store.last_block() if store is not None else 0
        raise NotFound(f"block {number} is not in the sequencer's store (last built: {last})")
    ops, transfers = block_inputs(stored.body)  # decoded and checked, as the sequencer replays them
    names = {c.rollup_chain_id: c.name for c in ex.config.chains}
    symbols = {t.l2_id: t.symbol for t in ex.net.tokens.values()}
    chains = []
    for chain in ex.config.chains:
        events = ex.events[chain.name]
        stages = []
        for stage in STAGES:
            entry = events.stages.get((number, stage))
            if entry is not None:
                blocks = list(entry.blocks)
                stages.append(
                    {
                        "stage": stage,
                        "tx": entry.tx,
                        "at": entry.at,
                        "l1_block": entry.l1_block,
                        "gas": events.gas_of(entry.tx),
                        "blocks_in_tx": blocks,
                    }
                )
        own = sum(1 for op in ops if op.chain == chain.rollup_chain_id)
        data = ex.profile.committed_data_bytes if chain.is_primary else own * OP_RECORD_BYTES
        chains.append({"name": chain.name, "role": chain.role.value, "data_bytes": data, "stages": stages})
    proof = store.proof(number) if store is not None else None
    seconds = store.proof_seconds(number) if store is not None else None
    return {
        "number": number,
        "timestamp": stored.timestamp,
        "built_at": stored.built_at,
        "build_seconds": stored.build_seconds,
        "new_root": hex(stored.new_root),
        "ops": [_readable(d, names, symbols) for d in stored.body["ops"]],
        "transfers": [
            {"hash": l2_tx_hash(t), **_readable({"type": "transfer", **d}, names, symbols)}
            for t, d in zip(transfers, stored.body["transfers"], strict=True)
        ],
        "public_data_bytes": ex.profile.public_data_bytes,
        "chains": chains,
        "proof": None if proof is None else {"seconds": seconds, **proof},
        "payouts": [p.as_json() for p in store.payouts.of_block(number)] if store is not None else [],
    }


def _readable(d: dict[str, Any], names: dict[int, str], symbols: dict[int, str]) -> dict[str, Any]:
    out = {k: v for k, v in d.items() if k not in HIDDEN}
    if "chain" in out:
        out["chain"] = names.get(int(out["chain"]), str(out["chain"]))
    if "token" in out:
        out["token"] = symbols.get(int(out["token"]), str(out["token"]))
    return out


ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


def account_search(ex: Explorer, query: str) -> dict[str, Any]:
    """A wallet's name, an L1 address or an account index: its L2 accounts (from the sequencer) and what
    each chain holds for its address as pending balances (from the chains)."""
    q = query.strip()
    if not q:
        raise NotFound("type a wallet name, an L1 address (0x...) or an account index")
    client = SequencerClient(ex.config.sequencer.rpc_url)
    address: str | None = None
    wallet = None
    try:
        if q.isdigit():
            accounts: list[dict[str, Any]] = [dict(client.account(int(q)))]
            address = str(accounts[0]["address"]) if accounts[0]["exists"] else None
        else:
            if ADDRESS.match(q):
                address = Web3.to_checksum_address(q)
            else:
                try:
                    wallet = load_wallet(ex.home, q)
                except WalletError as exc:
                    raise NotFound(str(exc)) from None
                address = wallet.address
            accounts = [dict(a) for a in client.accounts_of(address)]
    except RpcUnavailable as exc:
        raise NotFound(f"the sequencer does not answer ({exc}): L2 accounts need it") from None
    symbols = {t.l2_id: t for t in ex.net.tokens.values()}
    for a in accounts:
        token = symbols.get(int(a["token"]))
        a["symbol"] = token.symbol if token else str(a["token"])
        a["decimals"] = token.decimals if token else 0
    pending = []
    if address is not None and int(address, 16) != 0:
        for chain in ex.config.chains:
            rollup = ex.net.rollup(chain)
            for symbol in (chain.native, *chain.tokens):
                token = ex.net.tokens[symbol]
                amount = rollup.pending_balance(address, token.l2_id)
                pending.append(
                    {"chain": chain.name, "token": symbol, "amount": str(amount), "decimals": token.decimals}
                )
    return {
        "query": q,
        "wallet": wallet.name if wallet else None,
        "address": address,
        "accounts": accounts,
        "pending": pending,
    }


def committee(ex: Explorer) -> dict[str, Any] | None:
    """Validium: each member's health (asked over its RPC) and what the sequencer holds signed."""
    cfg = ex.config.committee
    if cfg is None:
        return None
    members = []
    for m in cfg.members:
        try:
            health = call(m.url, "dac_health", timeout=1.0, daemon="committee member")
        except RollupError as exc:
            health = {"error": str(exc)}
        members.append({"name": m.name, "url": m.url, "health": health})
    store = ex.sequencer_store()
    signed = store.availability.all() if store is not None else []
    return {
        "threshold": cfg.threshold,
        "members": members,
        "signed_blocks": len(signed),
        "last_signed_block": signed[-1][0] if signed else None,
    }
