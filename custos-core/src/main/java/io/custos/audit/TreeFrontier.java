package io.custos.audit;

import java.util.ArrayList;
import java.util.List;

/**
 * The right edge of the log's Merkle tree: the roots of the perfect subtrees that the leaves
 * so far decompose into (largest first). Appending a leaf and computing the root of the
 * whole tree both cost O(log n) hashes, so checkpoints stay cheap however long the log grows.
 * Not thread-safe: the audit log's single writer owns it.
 */
final class TreeFrontier {
  private final List<byte[]> roots = new ArrayList<>();
  private final List<Integer> heights = new ArrayList<>();
  private long size;

  long size() {
    return size;
  }

  /** Adds the next leaf hash. */
  void add(byte[] leafHash) {
    byte[] node = leafHash;
    int height = 0;
    // Merge equal-height neighbours, as a binary counter carries.
    while (!heights.isEmpty() && heights.getLast() == height) {
      node = MerkleTree.nodeHash(roots.removeLast(), node);
      heights.removeLast();
      height++;
    }
    roots.add(node);
    heights.add(height);
    size++;
  }

  /** RFC 9162 MTH of all leaves added so far. */
  byte[] root() {
    if (roots.isEmpty()) {
      return MerkleTree.emptyRoot();
    }
    // MTH splits at the largest power of two, so the root folds the subtrees from the right.
    byte[] acc = roots.getLast();
    for (int i = roots.size() - 2; i >= 0; i--) {
      acc = MerkleTree.nodeHash(roots.get(i), acc);
    }
    return acc;
  }
}
