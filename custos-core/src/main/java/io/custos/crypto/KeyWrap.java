package io.custos.crypto;

/**
 * AES key wrap with padding (RFC 5649, NIST SP 800-38F KWP) from the validated module: wraps key
 * material only, deterministically, with its own integrity check. Safe for concurrent use.
 */
public interface KeyWrap {
  /** Wraps {@code keyMaterial} (1 byte or more). */
  byte[] wrap(SecretBytes keyMaterial);

  /**
   * Unwraps what {@link #wrap} made under the same key.
   *
   * @throws io.custos.failure.InvalidInputException if it does not authenticate
   */
  SecretBytes unwrap(byte[] wrapped);
}
