package io.custos.audit;

import io.custos.failure.InvalidInputException;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The Merkle tree of RFC 9162 (Certificate Transparency 2.0) section 2.1 with SHA-256, over the
 * encoded events of the audit log: tree hashes, inclusion proofs and consistency proofs, and the
 * verification of both exactly as the RFC's sections 2.1.3.2 and 2.1.4.2 describe them.
 *
 * <ul>
 *   <li>leaf hash: {@code SHA-256(0x00 || entry)};
 *   <li>interior node: {@code SHA-256(0x01 || left || right)};
 *   <li>{@code MTH({}) = SHA-256()}, {@code MTH({d0}) = leaf hash of d0}, and for n &gt; 1
 *       {@code MTH(D[n]) = node(MTH(D[0:k]), MTH(D[k:n]))} with k the largest power of two
 *       smaller than n.
 * </ul>
 *
 * <p>Computing a root or a proof over n leaves reads each leaf hash once and hashes iteratively
 * with one digest and a stack of at most 64 subtree hashes: linear time, no recursion, no
 * allocation per node. Verification never throws on hostile proofs; it answers {@code false}.
 * Proof lists are unmodifiable and their arrays are fresh copies.
 */
public final class MerkleTree {
  /** Bytes in every hash of the tree. */
  public static final int HASH_BYTES = 32;

  private static final byte LEAF = 0x00;
  private static final byte NODE = 0x01;

  private MerkleTree() {}

  /** {@code MTH({})}: SHA-256 of nothing. */
  public static byte[] emptyRoot() {
    return sha256().digest();
  }

  /** The leaf hash of an entry (an encoded event): {@code SHA-256(0x00 || entry)}. */
  public static byte[] leafHash(byte[] entry) {
    MessageDigest md = sha256();
    md.update(LEAF);
    return md.digest(entry);
  }

  /** The hash of an interior node: {@code SHA-256(0x01 || left || right)}. */
  public static byte[] nodeHash(byte[] left, byte[] right) {
    requireHash(left, "left");
    requireHash(right, "right");
    return node(sha256(), left, right);
  }

  // For callers that hash many nodes: one digest instance, no argument checks (callers check).
  static byte[] node(MessageDigest md, byte[] left, byte[] right) {
    md.update(NODE);
    md.update(left);
    return md.digest(right);
  }

  /** {@code MTH(D[0:size])}: the root hash of the tree of the first {@code size} leaves. */
  public static byte[] rootHash(LeafHashes leaves, long size) {
    requireSize(leaves, size);
    return subtreeHash(leaves, 0, size);
  }

  /**
   * {@code PATH(index, D[size])} of RFC 9162 section 2.1.3.1: the inclusion proof of leaf
   * {@code index} in the tree of the first {@code size} leaves, leaf's sibling first.
   */
  public static List<byte[]> inclusionProof(LeafHashes leaves, long index, long size) {
    requireSize(leaves, size);
    if (index < 0 || index >= size) {
      throw new InvalidInputException("leaf index " + index + " is not in a tree of size " + size);
    }
    // The recursion of the RFC unrolled from the root down; the path lists it bottom-up.
    List<byte[]> path = new ArrayList<>();
    long lo = 0;
    long hi = size;
    while (hi - lo > 1) {
      long k = splitPoint(hi - lo);
      if (index - lo < k) {
        path.add(subtreeHash(leaves, lo + k, hi));
        hi = lo + k;
      } else {
        path.add(subtreeHash(leaves, lo, lo + k));
        lo += k;
      }
    }
    Collections.reverse(path);
    return Collections.unmodifiableList(path);
  }

  /**
   * {@code PROOF(oldSize, D[newSize])} of RFC 9162 section 2.1.4.1: proof that the tree of the
   * first {@code oldSize} leaves is a prefix of the tree of the first {@code newSize}. Empty when
   * {@code oldSize} is 0 or equals {@code newSize}, where nothing needs proving.
   */
  public static List<byte[]> consistencyProof(LeafHashes leaves, long oldSize, long newSize) {
    requireSize(leaves, newSize);
    if (oldSize < 0 || oldSize > newSize) {
      throw new InvalidInputException(
          "old size " + oldSize + " is not between 0 and the new size " + newSize);
    }
    List<byte[]> proof = new ArrayList<>();
    if (oldSize == 0 || oldSize == newSize) {
      return List.of();
    }
    // SUBPROOF(m, D[lo:hi], b) unrolled; b turns false once we descend into a right subtree.
    long lo = 0;
    long hi = newSize;
    long m = oldSize;
    boolean b = true;
    while (m != hi - lo) {
      long k = splitPoint(hi - lo);
      if (m <= k) {
        proof.add(subtreeHash(leaves, lo + k, hi));
        hi = lo + k;
      } else {
        proof.add(subtreeHash(leaves, lo, lo + k));
        lo += k;
        m -= k;
        b = false;
      }
    }
    if (!b) {
      proof.add(subtreeHash(leaves, lo, hi));
    }
    Collections.reverse(proof);
    return Collections.unmodifiableList(proof);
  }

  /**
   * Verifies an inclusion proof as RFC 9162 section 2.1.3.2 describes.
   *
   * @return whether {@code proof} proves that {@code leafHash} is leaf {@code index} of the tree
   *     of {@code size} leaves with root {@code rootHash}
   */
  public static boolean verifyInclusion(
      byte[] leafHash, long index, long size, List<byte[]> proof, byte[] rootHash) {
    if (index < 0 || index >= size || !isHash(leafHash) || !isHash(rootHash)) {
      return false;
    }
    MessageDigest md = sha256();
    long fn = index;
    long sn = size - 1;
    byte[] r = leafHash;
    for (byte[] p : proof) {
      if (!isHash(p) || sn == 0) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        r = node(md, p, r);
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      } else {
        r = node(md, r, p);
      }
      fn >>= 1;
      sn >>= 1;
    }
    return sn == 0 && MessageDigest.isEqual(r, rootHash);
  }

  /**
   * Verifies a consistency proof as RFC 9162 section 2.1.4.2 describes. The RFC's algorithm
   * covers {@code 0 < oldSize < newSize}; at the edges the proof must be empty and, for equal
   * sizes, the roots equal, and for {@code oldSize} 0, the old root that of the empty tree.
   *
   * @return whether {@code proof} proves that the tree of {@code oldSize} leaves with root
   *     {@code oldRoot} is a prefix of the tree of {@code newSize} leaves with root {@code newRoot}
   */
  public static boolean verifyConsistency(
      long oldSize, long newSize, byte[] oldRoot, byte[] newRoot, List<byte[]> proof) {
    if (oldSize < 0 || newSize < oldSize || !isHash(oldRoot) || !isHash(newRoot)) {
      return false;
    }
    if (oldSize == newSize) {
      return proof.isEmpty() && MessageDigest.isEqual(oldRoot, newRoot);
    }
    if (oldSize == 0) {
      return proof.isEmpty() && MessageDigest.isEqual(oldRoot, emptyRoot());
    }
    if (proof.isEmpty() || !proof.stream().allMatch(MerkleTree::isHash)) {
      return false;
    }
    List<byte[]> path = new ArrayList<>(proof.size() + 1);
    if (Long.bitCount(oldSize) == 1) {
      path.add(oldRoot);
    }
    path.addAll(proof);
    long fn = oldSize - 1;
    long sn = newSize - 1;
    while ((fn & 1) == 1) {
      fn >>= 1;
      sn >>= 1;
    }
    MessageDigest md = sha256();
    byte[] fr = path.get(0);
    byte[] sr = fr;
    for (byte[] c : path.subList(1, path.size())) {
      if (sn == 0) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        fr = node(md, c, fr);
        sr = node(md, c, sr);
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      } else {
        sr = node(md, sr, c);
      }
      fn >>= 1;
      sn >>= 1;
    }
    return sn == 0
        && MessageDigest.isEqual(fr, oldRoot) && MessageDigest.isEqual(sr, newRoot);
  }

  /** {@code MTH(D[lo:hi])}, folding a stack of perfect subtrees: linear, no recursion. */
  static byte[] subtreeHash(LeafHashes leaves, long lo, long hi) {
    long n = hi - lo;
    if (n == 0) {
      return emptyRoot();
    }
    MessageDigest md = sha256();
    // Slot i holds a perfect subtree; sizes strictly decrease along the stack (binary of count).
    byte[] stack = new byte[65 * HASH_BYTES];
    int top = 0;
    for (long i = 0; i < n; i++) {
      byte[] leaf = leaves.leafHash(lo + i);
      if (leaf == null || leaf.length != HASH_BYTES) {
        throw new IllegalStateException(
            "leaf hash " + (lo + i) + " is not " + HASH_BYTES + " bytes");
      }
      System.arraycopy(leaf, 0, stack, top * HASH_BYTES, HASH_BYTES);
      top++;
      for (long count = i + 1; (count & 1) == 0; count >>>= 1) {
        merge(md, stack, --top - 1);
      }
    }
    while (top > 1) {
      merge(md, stack, --top - 1);
    }
    return Arrays.copyOf(stack, HASH_BYTES);
  }

  // Replaces slots [slot, slot+1] with their parent, in place: the stack is never reallocated.
  private static void merge(MessageDigest md, byte[] stack, int slot) {
    md.update(NODE);
    md.update(stack, slot * HASH_BYTES, 2 * HASH_BYTES);
    try {
      md.digest(stack, slot * HASH_BYTES, HASH_BYTES);
    } catch (DigestException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The largest power of two smaller than {@code n}, for {@code n >= 2}. */
  static long splitPoint(long n) {
    return Long.highestOneBit(n - 1);
  }

  static boolean isHash(byte[] h) {
    return h != null && h.length == HASH_BYTES;
  }

  private static final MessageDigest PROTOTYPE = newSha256();

  // Cloning a ready digest costs far less than a provider lookup per hash.
  static MessageDigest sha256() {
    try {
      return (MessageDigest) PROTOTYPE.clone();
    } catch (CloneNotSupportedException e) {
      return newSha256();
    }
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }


  private static void requireHash(byte[] h, String what) {
    if (!isHash(h)) {
      throw new InvalidInputException(what + " hash is not " + HASH_BYTES + " bytes");
    }
  }

  private static void requireSize(LeafHashes leaves, long size) {
    if (size < 0 || size > leaves.size()) {
      throw new InvalidInputException(
          "tree size " + size + " is not between 0 and the " + leaves.size() + " leaves there are");
    }
  }
}
