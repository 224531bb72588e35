package io.custos.audit;

import java.util.ArrayList;
import java.util.List;

/**
 * A growable array of 32-byte hashes, indexed by {@code long}, stored in fixed chunks so that
 * growing never copies what is already stored and no single Java array limits the size.
 */
final class HashArray {
  private static final int CHUNK_SHIFT = 10;
  private static final int CHUNK_HASHES = 1 << CHUNK_SHIFT;
  private static final int H = MerkleTree.HASH_BYTES;

  private final List<byte[]> chunks = new ArrayList<>();
  private long size;

  long size() {
    return size;
  }

  void add(byte[] hash) {
    add(hash, 0);
  }

  /** Appends the 32 bytes at {@code from[offset]}. */
  void add(byte[] from, int offset) {
    int slot = (int) (size & (CHUNK_HASHES - 1));
    if (slot == 0) {
      chunks.add(new byte[CHUNK_HASHES * H]);
    }
    System.arraycopy(from, offset, chunks.getLast(), slot * H, H);
    size++;
  }

  /** Copies hash {@code index} to {@code to[offset]}. */
  void copyTo(long index, byte[] to, int offset) {
    if (index < 0 || index >= size) {
      throw new IndexOutOfBoundsException("hash " + index + " of " + size);
    }
    int slot = (int) (index & (CHUNK_HASHES - 1));
    System.arraycopy(chunks.get((int) (index >>> CHUNK_SHIFT)), slot * H, to, offset, H);
  }

  byte[] get(long index) {
    byte[] hash = new byte[H];
    copyTo(index, hash, 0);
    return hash;
  }
}
