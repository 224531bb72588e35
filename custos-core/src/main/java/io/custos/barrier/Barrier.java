package io.custos.barrier;

import io.custos.failure.InvalidInputException;
import io.custos.failure.UnavailableException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The one door between Custos and its store for every secret at rest (SS-002 11.3.6, 11.3.8):
 * records are sealed with AES-256-GCM under the newest barrier key version and opened under
 * whichever version sealed them.
 *
 * <p>Sealed record format (big-endian):
 * <pre>
 *   0x01 (format) || key version (u32) || nonce (12) || ciphertext || tag (16)
 * </pre>
 * The associated data binds the record to where and what it is, so the store cannot move,
 * swap or roll back records unnoticed:
 * <pre>
 *   "custos-barrier-v1" || format || key version (u32)
 *     || len(type) (u32) || type (UTF-8) || len(id) (u32) || id (UTF-8) || record version (u64)
 * </pre>
 * A record opened under another type, id or record version fails with one message that does not
 * say which of the three differed.
 *
 * <p>{@link #close()} seals the barrier: the keyring's keys are wiped (SS-002 11.3.7) and every
 * later call fails with {@link UnavailableException}.
 */
public final class Barrier implements AutoCloseable {
  static final byte FORMAT = 0x01;
  static final int HEADER_BYTES = 1 + 4;
  private static final int MIN_SEALED = HEADER_BYTES + 12 + 16;
  private static final byte[] DOMAIN = "custos-barrier-v1".getBytes(StandardCharsets.US_ASCII);

  private final BarrierKeyring keyring;
  private final Runnable storeKeyring;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private boolean closed;

  /** A barrier over {@code keyring}, which it now owns and wipes on {@link #close()}. */
  public Barrier(BarrierKeyring keyring) {
    this(keyring, () -> { });
  }

  /**
   * A barrier over {@code keyring} that runs {@code storeKeyring} whenever the newest key's
   * stored reservation of encryptions is spent, before it encrypts again, so that the usage
   * count never runs ahead of what the store knows.
   */
  public Barrier(BarrierKeyring keyring, Runnable storeKeyring) {
    this.keyring = Objects.requireNonNull(keyring, "keyring");
    this.storeKeyring = Objects.requireNonNull(storeKeyring, "storeKeyring");
  }

  /**
   * Encrypts {@code plaintext} as record {@code type}/{@code id} at {@code recordVersion}, under
   * the newest key version.
   */
  public byte[] seal(String type, String id, long recordVersion, byte[] plaintext) {
    Objects.requireNonNull(plaintext, "plaintext");
    lock.readLock().lock();
    try {
      ensureOpen();
      if (keyring.reservationSpent()) {
        storeKeyring.run();
      }
      KeyVersion key = keyring.newest();
      byte[] body = key.aead().encrypt(plaintext, associatedData(key.number(), type, id, recordVersion));
      return ByteBuffer.allocate(HEADER_BYTES + body.length)
          .put(FORMAT).putInt(key.number()).put(body).array();
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Decrypts a sealed record, checking that it is record {@code type}/{@code id} at
   * {@code recordVersion} and has not been altered.
   *
   * @throws InvalidInputException if it is malformed, names an unknown key version, or does not
   *     authenticate under type/id/version
   */
  public byte[] open(String type, String id, long recordVersion, byte[] sealed) {
    lock.readLock().lock();
    try {
      ensureOpen();
      int version = keyVersionOf(sealed);
      KeyVersion key = keyring.get(version);
      try {
        return key.aead().decrypt(Arrays.copyOfRange(sealed, HEADER_BYTES, sealed.length),
            associatedData(version, type, id, recordVersion));
      } catch (InvalidInputException e) {
        throw new InvalidInputException("sealed record does not authenticate under type/id/version", e);
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Re-encrypts a sealed record under the newest key version, after checking it as
   * {@link #open} does. A record already under the newest version comes back unchanged.
   */
  public byte[] rewrap(String type, String id, long recordVersion, byte[] sealed) {
    lock.readLock().lock();
    try {
      byte[] plaintext = open(type, id, recordVersion, sealed);
      try {
        if (keyVersionOf(sealed) == keyring.newestVersion()) {
          return sealed.clone();
        }
        return seal(type, id, recordVersion, plaintext);
      } finally {
        Arrays.fill(plaintext, (byte) 0);
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The barrier key version a sealed record names (not yet authenticated). */
  public static int keyVersionOf(byte[] sealed) {
    Objects.requireNonNull(sealed, "sealed");
    if (sealed.length < MIN_SEALED || sealed[0] != FORMAT) {
      throw new InvalidInputException("sealed record is malformed or of an unknown format");
    }
    return ByteBuffer.wrap(sealed, 1, 4).getInt();
  }

  public boolean isSealed() {
    lock.readLock().lock();
    try {
      return closed;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Seals the barrier: wipes every key version; later calls fail as sealed. */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      closed = true;
      keyring.close();
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public String toString() {
    return "Barrier[" + (isSealed() ? "sealed" : "unsealed") + "]";
  }

  private void ensureOpen() {
    if (closed) {
      throw new UnavailableException("the barrier is sealed");
    }
  }

  static byte[] associatedData(int keyVersion, String type, String id, long recordVersion) {
    byte[] t = Objects.requireNonNull(type, "type").getBytes(StandardCharsets.UTF_8);
    byte[] i = Objects.requireNonNull(id, "id").getBytes(StandardCharsets.UTF_8);
    if (t.length == 0 || i.length == 0) {
      throw new InvalidInputException("a record needs a non-empty type and id");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(DOMAIN.length + 25 + t.length + i.length);
    ByteBuffer fixed = ByteBuffer.allocate(1 + 4);
    out.writeBytes(DOMAIN);
    out.writeBytes(fixed.put(FORMAT).putInt(keyVersion).array());
    out.writeBytes(ByteBuffer.allocate(4).putInt(t.length).array());
    out.writeBytes(t);
    out.writeBytes(ByteBuffer.allocate(4).putInt(i.length).array());
    out.writeBytes(i);
    out.writeBytes(ByteBuffer.allocate(8).putLong(recordVersion).array());
    return out.toByteArray();
  }
}
