package io.custos.audit;

/**
 * The leaf hashes of a log, in order: what {@link MerkleTree} needs to compute roots and proofs.
 * A store implements it over its audit rows; {@link InMemoryTree} implements it in memory.
 *
 * <p>Indexes are zero-based: the event with sequence number {@code seq} is leaf
 * {@code seq - 1}. Implementations must answer the same hash for an index every time
 * (the log is append-only).
 */
public interface LeafHashes {
  /** How many leaves there are. */
  long size();

  /**
   * The RFC 9162 leaf hash {@code SHA-256(0x00 || entry)} of the entry at {@code index}, 32
   * bytes, see {@link MerkleTree#leafHash(byte[])}.
   *
   * @param index from 0 to {@code size() - 1}
   */
  byte[] leafHash(long index);
}
