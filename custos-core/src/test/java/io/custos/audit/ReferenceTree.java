package io.custos.audit;

import java.util.ArrayList;
import java.util.List;

/**
 * The definitions of RFC 9162 section 2.1 written as literally as possible (recursion over
 * sublists), to check the iterative implementation against. Test use only: slow by design.
 */
record ReferenceTree(List<byte[]> leafHashes) implements LeafHashes {

  static ReferenceTree ofEntries(int n) {
    List<byte[]> hashes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      hashes.add(MerkleTree.leafHash(("entry " + i).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
    return new ReferenceTree(hashes);
  }

  @Override
  public long size() {
    return leafHashes.size();
  }

  @Override
  public byte[] leafHash(long index) {
    return leafHashes.get((int) index).clone();
  }

  /** MTH(D[lo:hi]). */
  byte[] mth(int lo, int hi) {
    int n = hi - lo;
    if (n == 0) {
      return MerkleTree.emptyRoot();
    }
    if (n == 1) {
      return leafHashes.get(lo);
    }
    int k = Integer.highestOneBit(n - 1);
    return MerkleTree.nodeHash(mth(lo, lo + k), mth(lo + k, hi));
  }

  /** PATH(m, D[lo:hi]). */
  List<byte[]> path(int m, int lo, int hi) {
    int n = hi - lo;
    List<byte[]> out = new ArrayList<>();
    if (n <= 1) {
      return out;
    }
    int k = Integer.highestOneBit(n - 1);
    if (m < k) {
      out.addAll(path(m, lo, lo + k));
      out.add(mth(lo + k, hi));
    } else {
      out.addAll(path(m - k, lo + k, hi));
      out.add(mth(lo, lo + k));
    }
    return out;
  }

  /** PROOF(m, D[n]) = SUBPROOF(m, D[n], true), for 0 &lt; m &lt; n. */
  List<byte[]> proof(int m, int n) {
    return subproof(m, 0, n, true);
  }

  private List<byte[]> subproof(int m, int lo, int hi, boolean b) {
    int n = hi - lo;
    List<byte[]> out = new ArrayList<>();
    if (m == n) {
      if (!b) {
        out.add(mth(lo, hi));
      }
      return out;
    }
    int k = Integer.highestOneBit(n - 1);
    if (m <= k) {
      out.addAll(subproof(m, lo, lo + k, b));
      out.add(mth(lo + k, hi));
    } else {
      out.addAll(subproof(m - k, lo + k, hi, false));
      out.add(mth(lo, lo + k));
    }
    return out;
  }
}
