package io.custos.barrier;

import io.custos.crypto.Aead;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.NonceBudget;
import io.custos.crypto.SecretBytes;
import io.custos.failure.InvalidInputException;
import io.custos.failure.StorageException;
import io.custos.failure.UnavailableException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The barrier's versioned AES-256 keys (SS-002 11.3.6–11.3.8). Version 1 is made when the
 * keyring is created; {@link #rotate()} adds the next one, which new records use, while every
 * older version stays available for reading. Keys come from the module's approved DRBG
 * (SS-002 11.2.1) and live only in {@link SecretBytes}, wiped by {@link #close()}.
 *
 * <p>The keyring leaves memory only encrypted under the root key, by {@link #encryptUnder}:
 * <pre>
 *   stored   = 0x01 (format) || AES-256-GCM(root key, inner, AAD = "custos-keyring-v1")
 *            = 0x01 || nonce (12) || ciphertext || tag (16)
 *   inner    = count (u32) || count × entry, in ascending version order
 *   entry    = version (u32) || encryptions made so far (u64) || key (32 bytes)
 * </pre>
 * All integers are big-endian. The count stored for each version is a reservation: the
 * encryptions made so far plus {@link #RESERVATION}. A keyring read back resumes from the
 * reservation, as if all of it had been spent, so the SP 800-38D usage bound
 * ({@link NonceBudget}) holds across restarts and crashes; once a version spends its
 * reservation, {@link #reservationSpent()} says so and the keyring must be stored again before
 * the next encryption (the {@link Barrier} asks its owner to). The root key encrypts only
 * keyring writes, far fewer than its own bound.
 */
public final class BarrierKeyring implements AutoCloseable {
  static final byte FORMAT = 0x01;
  static final byte[] ASSOCIATED_DATA = "custos-keyring-v1".getBytes(StandardCharsets.US_ASCII);
  private static final int ENTRY_BYTES = 4 + 8 + KeyVersion.KEY_BYTES;
  /** Encryptions reserved per keyring write. */
  public static final long RESERVATION = 1 << 20;

  private final CryptoModule module;
  private final long usageBound;
  private final TreeMap<Integer, KeyVersion> versions = new TreeMap<>();
  private boolean closed;

  private BarrierKeyring(CryptoModule module, long usageBound) {
    this.module = Objects.requireNonNull(module, "module");
    this.usageBound = usageBound;
    NonceBudget.resume(0, usageBound); // validates the bound
  }

  /** A new keyring holding version 1, each version bounded to 2^32 encryptions. */
  public static BarrierKeyring create(CryptoModule module) {
    return create(module, NonceBudget.SP800_38D_RANDOM_IV_BOUND);
  }

  /** A new keyring holding version 1, each version bounded to {@code usageBound} encryptions. */
  public static BarrierKeyring create(CryptoModule module, long usageBound) {
    BarrierKeyring ring = new BarrierKeyring(module, usageBound);
    ring.add(1, module.drbg().newKey(KeyVersion.KEY_BYTES), 0);
    return ring;
  }

  /** Reads a keyring that {@link #encryptUnder} wrote, with the 2^32 usage bound. */
  public static BarrierKeyring decrypt(CryptoModule module, SecretBytes rootKey, byte[] stored) {
    return decrypt(module, rootKey, stored, NonceBudget.SP800_38D_RANDOM_IV_BOUND);
  }

  /**
   * Reads a keyring that {@link #encryptUnder} wrote.
   *
   * @throws InvalidInputException if it does not authenticate under {@code rootKey}
   * @throws StorageException if {@code stored} is not a keyring this version of Custos writes
   */
  public static BarrierKeyring decrypt(CryptoModule module, SecretBytes rootKey, byte[] stored, long usageBound) {
    Objects.requireNonNull(stored, "stored");
    if (stored.length < 1 || stored[0] != FORMAT) {
      throw new StorageException("stored barrier keyring has an unknown format");
    }
    byte[] inner;
    try {
      inner = rootAead(module, rootKey).decrypt(Arrays.copyOfRange(stored, 1, stored.length), ASSOCIATED_DATA);
    } catch (InvalidInputException e) {
      throw new InvalidInputException("barrier keyring does not authenticate under this root key", e);
    }
    BarrierKeyring ring = new BarrierKeyring(module, usageBound);
    try {
      ByteBuffer in = ByteBuffer.wrap(inner);
      int count = in.getInt();
      if (count < 1 || in.remaining() != (long) count * ENTRY_BYTES) {
        throw new StorageException("stored barrier keyring is malformed");
      }
      int previous = 0;
      for (int i = 0; i < count; i++) {
        int version = in.getInt();
        long used = in.getLong();
        if (version <= previous || used < 0) {
          throw new StorageException("stored barrier keyring is malformed");
        }
        byte[] key = new byte[KeyVersion.KEY_BYTES];
        in.get(key);
        ring.add(version, SecretBytes.adopt(key), Math.min(used, usageBound));
        previous = version;
      }
      return ring;
    } catch (BufferUnderflowException | StorageException e) {
      ring.close();
      throw e instanceof StorageException s ? s : new StorageException("stored barrier keyring is malformed");
    } finally {
      Arrays.fill(inner, (byte) 0);
    }
  }

  /** The keyring encrypted under {@code rootKey} (32 bytes), in the format above. */
  public synchronized byte[] encryptUnder(SecretBytes rootKey) {
    ensureOpen();
    byte[] inner = new byte[4 + versions.size() * ENTRY_BYTES];
    try {
      ByteBuffer out = ByteBuffer.wrap(inner).putInt(versions.size());
      long[] reserved = new long[versions.size()];
      int i = 0;
      for (KeyVersion v : versions.values()) {
        reserved[i] = Math.min(usageBound, v.budget().used() + RESERVATION);
        out.putInt(v.number()).putLong(reserved[i++]);
        v.key().use(k -> out.put(k));
      }
      byte[] sealed = rootAead(module, rootKey).encrypt(inner, ASSOCIATED_DATA);
      byte[] stored = new byte[1 + sealed.length];
      stored[0] = FORMAT;
      System.arraycopy(sealed, 0, stored, 1, sealed.length);
      // The reservation counts once stored; callers store what this returns before sealing more.
      i = 0;
      for (KeyVersion v : versions.values()) {
        v.reservedThrough(reserved[i++]);
      }
      return stored;
    } finally {
      Arrays.fill(inner, (byte) 0);
    }
  }

  /** Adds the next key version, which new records use from now on, and returns its number. */
  public synchronized int rotate() {
    ensureOpen();
    int next = versions.lastKey() + 1;
    add(next, module.drbg().newKey(KeyVersion.KEY_BYTES), 0);
    return next;
  }

  /**
   * True when the newest version has used up the encryptions the stored keyring reserved for
   * it: store the keyring again ({@link #encryptUnder}) before it encrypts more.
   */
  public boolean reservationSpent() {
    KeyVersion v = newest();
    return v.budget().used() >= v.reservedThrough() && !v.budget().exhausted();
  }

  /** The number of the newest key version. */
  public synchronized int newestVersion() {
    ensureOpen();
    return versions.lastKey();
  }

  /** The numbers of all key versions held, ascending. */
  public synchronized List<Integer> versions() {
    ensureOpen();
    return List.copyOf(versions.keySet());
  }

  /** How many encryptions {@code version} has made, as far as this keyring knows. */
  public synchronized long encryptionsMade(int version) {
    return get(version).budget().used();
  }

  synchronized KeyVersion newest() {
    ensureOpen();
    return versions.lastEntry().getValue();
  }

  synchronized KeyVersion get(int version) {
    ensureOpen();
    KeyVersion v = versions.get(version);
    if (v == null) {
      throw new InvalidInputException("the barrier keyring holds no key version " + version);
    }
    return v;
  }

  public synchronized boolean isClosed() {
    return closed;
  }

  /** Wipes every key version (SS-002 11.3.7); the keyring is unusable afterwards. */
  @Override
  public synchronized void close() {
    for (Map.Entry<Integer, KeyVersion> e : versions.entrySet()) {
      e.getValue().close();
    }
    closed = true;
  }

  @Override
  public synchronized String toString() {
    return "BarrierKeyring[versions=" + (closed ? "closed" : versions.keySet()) + "]";
  }

  private void add(int version, SecretBytes key, long used) {
    versions.put(version, new KeyVersion(version, key, NonceBudget.resume(used, usageBound), module));
  }

  private void ensureOpen() {
    if (closed) {
      throw new UnavailableException("the barrier is sealed");
    }
  }

  private static Aead rootAead(CryptoModule module, SecretBytes rootKey) {
    Objects.requireNonNull(rootKey, "rootKey");
    if (rootKey.length() != KeyVersion.KEY_BYTES) {
      throw new InvalidInputException("the root key must be 32 bytes (AES-256)");
    }
    return module.aes256Gcm(rootKey, NonceBudget.fresh());
  }
}
