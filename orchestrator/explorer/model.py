"""What the explorer shows, as data: read from the chains (counters, liquidity, events), the sequencer's
and the relayer's stores (read only: blocks, proofs, payouts, message attempts) and the daemons' locks.

`Explorer.refresh()` reads everything new and keeps one snapshot; the web server hands it out as JSON and
the page draws it. Every figure that a chain holds comes from the chain, never from a daemon's store.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from orchestrator.config import DeploymentConfig
from orchestrator.devnet.lifecycle import daemon_status, stale_after_s
from orchestrator.explorer.events import ChainEvents, open_chain_events
from orchestrator.l2.params import get_profile
from orchestrator.relayer.store import RelayerStore
from orchestrator.store.sequencer import SequencerStore
from orchestrator.wallet.actions import Network

TIMELINE_BLOCKS = 30  # the newest L2 blocks the timeline shows
MESSAGES_SHOWN = 60  # the newest messages the page lists
STAGES = ("committed", "proven", "synchronized", "executed")


class Explorer:
    def __init__(self, config: DeploymentConfig, home: Path) -> None:
        self.config, self.home = config, home
        self.net = Network(config, home)  # the address book: DeployError if nothing is deployed
        self.profile = get_profile(config.rollup.profile, config.rollup.mode)
        self._names = {c.rollup_chain_id: c.name for c in config.chains}
        self.events: dict[str, ChainEvents] = {}
        for chain in config.chains:
            deployed = self.net.deployments.chains[chain.name]
            self.events[chain.name] = open_chain_events(
                chain.name, self.net.w3(chain), home, chain.evm_chain_id, deployed.deploy_block
            )
        self._sequencer: SequencerStore | None = None
        self._relayer: RelayerStore | None = None
        self.lock = threading.Lock()  # one refresh at a time; readers take the snapshot as it is
        self.snapshot: dict[str, Any] = {"chains": [], "blocks": [], "messages": [], "updated": 0}

    # -- stores, opened once their daemon has made them (the explorer never creates a daemon's file) ------

    def sequencer_store(self) -> SequencerStore | None:
        if self._sequencer is None and (self.home / "sequencer.db").exists():
            self._sequencer = SequencerStore(self.home / "sequencer.db")
        return self._sequencer

    def relayer_store(self) -> RelayerStore | None:
        if self._relayer is None and (self.home / "relayer.db").exists():
            self._relayer = RelayerStore(self.home / "relayer.db")
        return self._relayer

    def close(self) -> None:
        for store in (self._sequencer, self._relayer):
            if store is not None:
                store.close()

    # -- the snapshot ----------------------------------------------------------------------------------

    def refresh(self) -> dict[str, Any]:
        with self.lock:
            for events in self.events.values():
                events.refresh()
            snapshot = {
                "updated": time.time(),
                "profile": self.profile.name,
                "mode": self.config.rollup.mode,
                "chains": [self._chain(c) for c in self.config.chains],
                "blocks": self._timeline(),
                "messages": self._messages(),
                "daemons": self._daemons(),
            }
            self.snapshot = snapshot
            return snapshot

    def _chain(self, chain: Any) -> dict[str, Any]:
        rollup = self.net.rollup(chain)
        f = rollup.functions
        events = self.events[chain.name]
        liquidity = {}
        for symbol in (chain.native, *chain.tokens):
            token = self.net.tokens[symbol]
            liquidity[symbol] = {"amount": str(int(f.vault(token.l2_id).call())), "decimals": token.decimals}
        return {
            "name": chain.name,
            "role": chain.role.value,
            "evm_chain_id": chain.evm_chain_id,
            "rollup_chain_id": chain.rollup_chain_id,
            "height": events.cursor,
            "counters": {s.value: n for s, n in rollup.counters().items()},
            "queued_requests": rollup.pending_requests(),
            "exodus": bool(f.exodusActive().call()),
            "liquidity": liquidity,
        }

    def _timeline(self) -> list[dict[str, Any]]:
        """The newest blocks, each with every chain's stages (the L1 transaction and time of each) and, on
        chains it pays out on, its payouts."""
        store = self.sequencer_store()
        last_built = store.last_block() if store else 0
        newest = max([last_built, *(e.last_seen for e in self.events.values())])
        oldest = max(0, newest - TIMELINE_BLOCKS)
        built = {n: b for n in range(oldest + 1, last_built + 1) if store and (b := store.block(n))}
        out = []
        for number in range(newest, oldest, -1):
            b = built.get(number)
            payouts = store.payouts.of_block(number) if store else []
            chains = {}
            concerned = {c.name for c in self.config.chains if c.is_primary}
            concerned |= {self._names[int(op["chain"])] for op in (b.body["ops"] if b else [])}
            concerned |= {c for c, e in self.events.items() if any((number, s) in e.stages for s in STAGES)}
            for chain in self.config.chains:
                if chain.name not in concerned:
                    continue  # a secondary commits only the blocks with operations of its own
                events = self.events[chain.name]
                stages = {}
                for stage in STAGES:
                    entry = events.stages.get((number, stage))
                    if entry is not None:
                        stages[stage] = {"tx": entry.tx, "at": entry.at, "l1_block": entry.l1_block}
                mine = [p for p in payouts if p.chain == chain.rollup_chain_id]
                if mine:
                    stages["paid"] = {
                        "count": len(mine),
                        "done": sum(p.status != "waiting" for p in mine),
                        "tx": next((p.tx for p in mine if p.tx), None),
                    }
                chains[chain.name] = stages
            out.append(
                {
                    "number": number,
                    "built_at": b.built_at if b else None,
                    "ops": [_op_line(op, self._names) for op in b.body["ops"]] if b else [],
                    "transfers": len(b.body["transfers"]) if b else None,
                    "chains": chains,
                }
            )
        return out

    def _messages(self) -> list[dict[str, Any]]:
        """Every message the messengers sent, newest first, with its delivery (from the destination's
        events) and the relayer's attempts at it."""
        by_evm = {c.evm_chain_id: c.name for c in self.config.chains}
        relayer = self.relayer_store()
        attempts = {}
        if relayer is not None:
            for m in relayer.messages():
                attempts[(m.message.source_chain_id, m.message.nonce)] = m
        out: list[dict[str, Any]] = []
        for chain in self.config.chains:
            for nonce, sent in self.events[chain.name].sent.items():
                destination = by_evm.get(sent["destination"])
                delivered = None
                if destination is not None:
                    delivered = self.events[destination].delivered.get((chain.evm_chain_id, nonce))
                tried = attempts.get((chain.evm_chain_id, nonce))
                relayed = None
                if tried is not None:
                    relayed = {
                        "status": tried.status,
                        "attempts": tried.attempts,
                        "last_error": tried.last_error,
                    }
                out.append(
                    {
                        "source": chain.name,
                        "nonce": nonce,
                        "destination": destination or str(sent["destination"]),
                        "kind": sent["kind"],
                        "sent": {"tx": sent["tx"], "at": sent["at"]},
                        "delivered": delivered,
                        "relayer": relayed,
                    }
                )
        out.sort(key=lambda m: (m["sent"]["at"], m["source"], m["nonce"]), reverse=True)
        return out[:MESSAGES_SHOWN]

    def _daemons(self) -> list[dict[str, Any]]:
        names = ["sequencer", "relayer"]
        if self.config.committee is not None:
            names += [f"dac-{m.name}" for m in self.config.committee.members]
        stale = stale_after_s(self.config.block_time)
        out = []
        for name in names:
            d = daemon_status(self.home, name, stale)
            out.append({"name": name, "state": d.state, "alive": d.alive, "summary": d.describe()})
        return out


def _op_line(op: dict[str, Any], names: dict[int, str]) -> str:
    """`deposit on beta`, `withdraw to gamma`: an operation and the chain it concerns."""
    kind = str(op.get("type", "?"))
    chain = names.get(int(op.get("chain", 0)), "?")
    return f"{kind} {'to' if kind == 'withdraw' else 'on'} {chain}"
