package io.custos.audit;

import io.custos.failure.InvalidInputException;
import java.security.DigestException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * An append-only Merkle tree held in memory: the leaf hashes and the hash of every complete
 * (perfect) subtree, so that the root at any size reached so far costs O(log n) hashes instead
 * of a pass over the leaves. Memory is about 64 bytes per leaf. {@link LogVerifier} uses it to
 * check checkpoints that are exported later than the events they cover.
 *
 * <p>The roots are those of {@link MerkleTree#rootHash}: RFC 9162 section 2.1. Not thread-safe.
 */
public final class InMemoryTree implements LeafHashes {
  private static final byte NODE = 0x01;

  // levels.get(l) holds the perfect subtrees of 2^l leaves, left to right; level 0 the leaves.
  private final List<HashArray> levels = new ArrayList<>(List.of(new HashArray()));
  private long size;
  // Reused for every interior node, so appending allocates nothing but storage chunks.
  private final MessageDigest md = MerkleTree.sha256();
  private final byte[] pair = new byte[2 * MerkleTree.HASH_BYTES];

  /** Appends the leaf hash of the next entry, see {@link MerkleTree#leafHash(byte[])}. */
  public void append(byte[] leafHash) {
    if (!MerkleTree.isHash(leafHash)) {
      throw new InvalidInputException("leaf hash is not " + MerkleTree.HASH_BYTES + " bytes");
    }
    levels.getFirst().add(leafHash);
    size++;
    // Each trailing zero bit of the new size completes one more perfect subtree.
    int level = 0;
    for (long count = size; (count & 1) == 0; count >>>= 1) {
      HashArray below = levels.get(level);
      long right = below.size() - 1;
      below.copyTo(right - 1, pair, 0);
      below.copyTo(right, pair, MerkleTree.HASH_BYTES);
      md.update(NODE);
      md.update(pair);
      try {
        md.digest(pair, 0, MerkleTree.HASH_BYTES);
      } catch (DigestException e) {
        throw new IllegalStateException(e);
      }
      if (levels.size() == level + 1) {
        levels.add(new HashArray());
      }
      levels.get(++level).add(pair, 0);
    }
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public byte[] leafHash(long index) {
    if (index < 0 || index >= size) {
      throw new InvalidInputException("leaf index " + index + " is not below the size " + size);
    }
    return levels.getFirst().get(index);
  }

  /** The root hash of the whole tree. */
  public byte[] rootHash() {
    return rootHash(size);
  }

  /** The root hash of the tree of the first {@code treeSize} leaves, in O(log n). */
  public byte[] rootHash(long treeSize) {
    if (treeSize < 0 || treeSize > size) {
      throw new InvalidInputException(
          "tree size " + treeSize + " is not between 0 and the size " + size);
    }
    if (treeSize == 0) {
      return MerkleTree.emptyRoot();
    }
    // MTH(D[n]) = node(perfect subtree of the highest bit, MTH(rest)): fold right to left.
    byte[][] parts = new byte[Long.bitCount(treeSize)][];
    int count = 0;
    long offset = 0;
    for (int level = 63 - Long.numberOfLeadingZeros(treeSize); level >= 0; level--) {
      if ((treeSize >>> level & 1) == 1) {
        parts[count++] = levels.get(level).get(offset >>> level);
        offset += 1L << level;
      }
    }
    byte[] root = parts[count - 1];
    for (int i = count - 2; i >= 0; i--) {
      root = MerkleTree.node(md, parts[i], root);
    }
    return root;
  }
}
