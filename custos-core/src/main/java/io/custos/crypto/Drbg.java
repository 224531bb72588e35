package io.custos.crypto;

/**
 * An approved deterministic random bit generator (NIST SP 800-90A), the only source of key
 * material and random values in Custos (SS-002 11.1.1, 11.2.1). Safe for concurrent use.
 */
public interface Drbg {
  /** Fills {@code out} with random bytes. */
  void nextBytes(byte[] out);

  /** A new symmetric key of {@code bytes} random bytes, held only in a zeroising holder. */
  SecretBytes newKey(int bytes);

  /**
   * This generator as a {@link java.security.SecureRandom}, for APIs that take one (key pair
   * generators, secret sharing). Draws come from the same approved DRBG.
   */
  java.security.SecureRandom asSecureRandom();
}
