package io.custos.crypto;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Function;

/**
 * Key material in memory (SS-002 11.3.7). The bytes are copied in, reachable only through
 * {@link #use}, never printed, and overwritten with zeros on {@link #close()}. After close,
 * every use fails.
 */
public final class SecretBytes implements AutoCloseable {
  private final byte[] bytes;
  private volatile boolean wiped;

  private SecretBytes(byte[] bytes) {
    this.bytes = bytes;
  }

  /** Takes a copy of {@code material}; the caller should wipe its own array. */
  public static SecretBytes copyOf(byte[] material) {
    return new SecretBytes(Objects.requireNonNull(material, "material").clone());
  }

  /** Takes ownership of {@code material} without copying; it is wiped on close. */
  public static SecretBytes adopt(byte[] material) {
    return new SecretBytes(Objects.requireNonNull(material, "material"));
  }

  public int length() {
    return bytes.length;
  }

  /**
   * Runs {@code f} with the raw bytes. {@code f} must not keep or leak the array; copies it
   * makes are its own to wipe.
   */
  public synchronized <T> T use(Function<byte[], T> f) {
    if (wiped) {
      throw new IllegalStateException("secret has been wiped");
    }
    return f.apply(bytes);
  }

  /** Constant-time comparison. */
  public boolean sameAs(byte[] other) {
    return use(b -> MessageDigest.isEqual(b, other));
  }

  public boolean isWiped() {
    return wiped;
  }

  @Override
  public synchronized void close() {
    Arrays.fill(bytes, (byte) 0);
    wiped = true;
  }

  @Override
  public String toString() {
    return "SecretBytes[" + bytes.length + " bytes" + (wiped ? ", wiped" : "") + "]";
  }
}
