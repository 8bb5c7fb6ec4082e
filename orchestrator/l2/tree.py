"""Sparse quaternary Poseidon Merkle tree: the L2 state tree (docs/protocol.md section 5).

A tree of `L = D / 2` levels over `4^L = 2^D` leaves. Level 0 holds leaf hashes, level `k + 1` node `p`
is `Poseidon_4` of level-`k` nodes `4p .. 4p + 3`, level `L` is the root. Only nodes that differ from
the empty subtree hash `Z_k` are stored, so an empty tree of depth 32 costs nothing.

Hashing is lazy: `set_leaf` stores the leaf and marks it dirty; the inner nodes on dirty paths are
recomputed, once per node, the next time the root or a proof is read. Intake can then apply many updates
before paying for the hashing, and paths shared by several updates are hashed once.

`fork()` gives a copy-on-write child: it reads through to its parent and writes only to itself, so a
block can be built on it and thrown away (or `merge`d back) without copying millions of nodes. The
parent must not change while a child is in use; a child notices and refuses to work if it does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

from orchestrator.crypto.poseidon import poseidon
from orchestrator.errors import CryptoError
from orchestrator.l2.params import MAX_DEPTH

Proof = list[list[int]]
"""L levels, from the leaves up, each the three siblings in increasing position order."""


@cache
def empty_hashes(levels: int) -> tuple[int, ...]:
    """(Z_0, ..., Z_levels): Z_0 is the empty leaf Poseidon_5(0,0,0,0,0), Z_(k+1) = Poseidon_4(Z_k x 4)."""
    if not 0 <= levels <= MAX_DEPTH // 2:
        raise ValueError(f"a state tree has 0..{MAX_DEPTH // 2} quaternary levels, got {levels}")
    zs = [poseidon([0, 0, 0, 0, 0])]
    for _ in range(levels):
        z = zs[-1]
        zs.append(poseidon([z, z, z, z]))
    return tuple(zs)


def empty_root(depth: int) -> int:
    """Root of the empty tree of `depth` binary levels: the state root of genesis block 0."""
    return empty_hashes(depth // 2)[-1]


class QuadTree:
    """The state tree of `depth` binary levels (even, 2..32), holding leaf hashes."""

    def __init__(self, depth: int, *, _base: QuadTree | None = None) -> None:
        if not 2 <= depth <= MAX_DEPTH or depth % 2:
            raise ValueError(f"tree depth must be even and in 2..{MAX_DEPTH}, got {depth}")
        self.depth = depth
        self.levels = depth // 2
        self._zero = empty_hashes(self.levels)
        self._nodes: list[dict[int, int]] = [{} for _ in range(self.levels + 1)]
        self._dirty: set[int] = set()
        self._version = 0
        self._base = _base
        self._base_version = _base._version if _base is not None else 0
        self._merged = False

    # -- reading ---------------------------------------------------------------------------------------

    def _get(self, level: int, index: int) -> int:
        tree: QuadTree | None = self
        while tree is not None:
            value = tree._nodes[level].get(index)
            if value is not None:
                return value
            tree = tree._base
        return self._zero[level]

    def _check_usable(self) -> None:
        if self._merged:
            raise RuntimeError("this tree fork was merged into its parent and can no longer be used")
        if self._base is not None and self._base._version != self._base_version:
            raise RuntimeError("the parent of this tree fork changed after the fork was made")

    def _check_index(self, index: int) -> None:
        if type(index) is not int or not 0 <= index < 1 << self.depth:
            raise ValueError(f"leaf index must be an int in [0, 2^{self.depth}), got {index!r}")

    def get_leaf(self, index: int) -> int:
        """The leaf hash at `index` (Z_0 for an empty leaf)."""
        self._check_usable()
        self._check_index(index)
        return self._get(0, index)

    @property
    def root(self) -> int:
        """The root, after hashing any pending updates."""
        self._check_usable()
        self._flush()
        return self._get(self.levels, 0)

    def proof(self, index: int) -> Proof:
        """Merkle proof of `index` in the current tree (section 5 order)."""
        self._check_usable()
        self._check_index(index)
        self._flush()
        path = []
        for level in range(self.levels):
            position = index & 3
            first = index - position
            path.append([self._get(level, first + j) for j in range(4) if j != position])
            index >>= 2
        return path

    # -- writing ---------------------------------------------------------------------------------------

    def set_leaf(self, index: int, leaf_hash: int) -> None:
        """Store `leaf_hash` at `index`; the inner nodes are rehashed lazily."""
        self._check_usable()
        self._check_index(index)
        if self._base is None and leaf_hash == self._zero[0]:
            self._nodes[0].pop(index, None)
        else:
            self._nodes[0][index] = leaf_hash
        self._dirty.add(index)
        self._version += 1

    def set_leaves(self, items: Iterable[tuple[int, int]]) -> None:
        """`set_leaf` for each (index, leaf_hash)."""
        for index, leaf_hash in items:
            self.set_leaf(index, leaf_hash)

    def _flush(self) -> None:
        """Rehash every inner node above a dirty leaf, level by level, each node once."""
        if not self._dirty:
            return
        parents = {i >> 2 for i in self._dirty}
        prune = self._base is None
        for level in range(1, self.levels + 1):
            below = level - 1
            store = self._nodes[level]
            zero = self._zero[level]
            for p in parents:
                first = p << 2
                h = poseidon(
                    [
                        self._get(below, first),
                        self._get(below, first + 1),
                        self._get(below, first + 2),
                        self._get(below, first + 3),
                    ]
                )
                if prune and h == zero:
                    store.pop(p, None)
                else:
                    store[p] = h
            parents = {p >> 2 for p in parents}
        self._dirty.clear()

    # -- forks -----------------------------------------------------------------------------------------

    def fork(self) -> QuadTree:
        """A copy-on-write child; this tree must stay unchanged while the child is used."""
        self._check_usable()
        self._flush()
        return QuadTree(self.depth, _base=self)

    def merge(self) -> None:
        """Write this fork's changes into its parent; the fork cannot be used afterwards."""
        self._check_usable()
        base = self._base
        if base is None:
            raise RuntimeError("merge() needs a tree made by fork()")
        for level, nodes in enumerate(self._nodes):
            base._nodes[level].update(nodes)
        base._dirty |= self._dirty
        base._version += 1
        self._merged = True

    @property
    def stored_nodes(self) -> int:
        """Nodes stored by this tree itself (not its parent): a measure of memory use."""
        return sum(len(nodes) for nodes in self._nodes)

    # -- proofs ----------------------------------------------------------------------------------------

    @staticmethod
    def root_from_proof(index: int, leaf_hash: int, proof: Sequence[Sequence[int]]) -> int:
        """The root that `proof` implies for `leaf_hash` at `index`."""
        h = leaf_hash
        for siblings in proof:
            if len(siblings) != 3:
                raise ValueError("every proof level has exactly three siblings")
            position = index & 3
            children = [*siblings[:position], h, *siblings[position:]]
            h = poseidon(children)
            index >>= 2
        if index:
            raise ValueError("index does not fit the proof's depth")
        return h

    @staticmethod
    def verify(root: int, index: int, leaf_hash: int, proof: Sequence[Sequence[int]]) -> bool:
        """True iff `proof` shows `leaf_hash` at `index` under `root`."""
        try:
            return QuadTree.root_from_proof(index, leaf_hash, proof) == root
        except (ValueError, TypeError, CryptoError):
            return False
