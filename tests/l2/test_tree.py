"""The sparse quaternary tree against a naive full-tree computation (protocol.md section 5)."""

from __future__ import annotations

import random

import pytest

from orchestrator.crypto.poseidon import poseidon
from orchestrator.l2.tree import QuadTree, empty_hashes, empty_root


def naive_root(depth: int, leaves: dict[int, int]) -> int:
    """Hash every node of the full tree: 4^(D/2) leaves, empty ones Poseidon_5(0,0,0,0,0)."""
    level = [leaves.get(i, poseidon([0, 0, 0, 0, 0])) for i in range(1 << depth)]
    while len(level) > 1:
        level = [poseidon(level[i : i + 4]) for i in range(0, len(level), 4)]
    return level[0]


def test_empty_hashes() -> None:
    zs = empty_hashes(4)
    assert zs[0] == poseidon([0, 0, 0, 0, 0])
    for k in range(4):
        assert zs[k + 1] == poseidon([zs[k]] * 4)
    assert empty_root(8) == zs[4] == naive_root(8, {}) == QuadTree(8).root
    assert empty_root(32) == empty_hashes(16)[16] == QuadTree(32).root
    with pytest.raises(ValueError):
        empty_hashes(17)


@pytest.mark.parametrize("depth", [2, 4, 6])
def test_matches_naive_tree(depth: int) -> None:
    rng = random.Random(depth)
    tree = QuadTree(depth)
    leaves: dict[int, int] = {}
    for step in range(3 * depth):
        index = rng.randrange(1 << depth)
        leaves[index] = rng.randrange(1, 2**250)
        tree.set_leaf(index, leaves[index])
        if step % 3 == 0:  # read roots sometimes, so lazy hashing runs on batches of different sizes
            assert tree.root == naive_root(depth, leaves)
    assert tree.root == naive_root(depth, leaves)
    for index in range(1 << depth):
        assert tree.get_leaf(index) == leaves.get(index, empty_hashes(0)[0])


def test_proofs_verify_and_have_the_spec_order() -> None:
    depth = 4
    rng = random.Random(1)
    leaves = {i: rng.randrange(1, 2**250) for i in range(16) if rng.random() < 0.7}
    tree = QuadTree(depth)
    tree.set_leaves(leaves.items())
    root = tree.root
    z0 = empty_hashes(2)[0]
    for index in range(16):
        proof = tree.proof(index)
        leaf = leaves.get(index, z0)
        assert len(proof) == 2 and all(len(level) == 3 for level in proof)
        assert QuadTree.verify(root, index, leaf, proof)
        assert not QuadTree.verify(root, index, leaf + 1, proof)
        if leaves.get(index ^ 1, z0) != leaf:  # else swapping the two changes nothing
            assert not QuadTree.verify(root, index ^ 1, leaf, proof)
        # Level 0: the other three leaves of the group, in increasing position order.
        group = index & ~3
        assert proof[0] == [leaves.get(j, z0) for j in range(group, group + 4) if j != index]
    assert not QuadTree.verify(root, 16, leaves.get(0, z0), tree.proof(0))  # index beyond the proof's depth
    assert not QuadTree.verify(root, 0, 1, [[1, 2]])  # malformed proof


def test_deep_sparse_tree() -> None:
    tree = QuadTree(32)
    last = (1 << 32) - 1
    tree.set_leaf(last, 42)
    tree.set_leaf(0, 7)
    root = tree.root
    assert QuadTree.verify(root, last, 42, tree.proof(last))
    assert QuadTree.verify(root, 0, 7, tree.proof(0))
    assert tree.stored_nodes == 2 * 17 - 1  # two paths sharing only the root
    tree.set_leaf(last, empty_hashes(0)[0])
    tree.set_leaf(0, empty_hashes(0)[0])
    assert tree.root == empty_root(32) and tree.stored_nodes == 0  # empty subtrees are not stored


def test_bad_indices() -> None:
    tree = QuadTree(4)
    for bad in (-1, 16, 2**40):
        with pytest.raises(ValueError):
            tree.set_leaf(bad, 1)
        with pytest.raises(ValueError):
            tree.proof(bad)
    with pytest.raises(ValueError):
        QuadTree(5)
    with pytest.raises(ValueError):
        QuadTree(34)


def test_fork_and_merge() -> None:
    parent = QuadTree(6)
    parent.set_leaf(3, 33)
    before = parent.root
    child = parent.fork()
    child.set_leaf(5, 55)
    child.set_leaf(3, 34)
    assert parent.root == before and parent.get_leaf(3) == 33
    assert child.root == naive_root(6, {3: 34, 5: 55})
    assert QuadTree.verify(child.root, 5, 55, child.proof(5))
    # Discarding a fork leaves the parent as it was; merging moves the parent to the fork's state.
    other = parent.fork()
    other.set_leaf(9, 99)
    child_root = child.root
    child.merge()
    assert parent.root == child_root
    assert parent.get_leaf(5) == 55
    with pytest.raises(RuntimeError, match="merged"):
        child.set_leaf(1, 1)
    with pytest.raises(RuntimeError, match="parent"):
        _ = other.root  # its parent changed under it
    with pytest.raises(RuntimeError):
        parent.merge()  # not a fork


def test_fork_of_fork() -> None:
    base = QuadTree(4)
    base.set_leaf(0, 1)
    a = base.fork()
    a.set_leaf(1, 2)
    b = a.fork()
    b.set_leaf(2, 3)
    assert b.root == naive_root(4, {0: 1, 1: 2, 2: 3})
    b.merge()
    a.merge()
    assert base.root == naive_root(4, {0: 1, 1: 2, 2: 3})
