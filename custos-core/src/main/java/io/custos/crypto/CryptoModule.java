package io.custos.crypto;

/**
 * The cryptographic module Custos relies on for random numbers and at-rest encryption
 * (SS-002 11.1.1, 11.2.1, 11.3.6). The rest of Custos reaches cryptography only through this
 * port and the primitives it hands out; which library sits behind it is this package's business.
 */
public interface CryptoModule {
  /** The approved DRBG of the module. */
  Drbg drbg();

  /**
   * AES-256-GCM under {@code key} (32 bytes) with 96-bit random nonces made by {@link #drbg()}
   * and 128-bit tags. Output of {@link Aead#encrypt}: nonce (12 bytes) || ciphertext || tag (16).
   * The primitive reads {@code key} on each use and does not own it: whoever closes the key
   * ends the primitive. Every encryption spends one unit of {@code budget}.
   *
   * @throws io.custos.failure.InvalidInputException if {@code key} is not 32 bytes
   */
  Aead aes256Gcm(SecretBytes key, NonceBudget budget);

  /**
   * A new key pair of {@code type}, generated inside the validated module from its DRBG
   * (SS-002 11.1.1, 11.2.1).
   */
  KeyPairMaterial generateKeyPair(KeyPairType type);

  /**
   * HMAC under {@code key} ({@link MacAlgorithm#keyBytes()} long). Like {@link #aes256Gcm}, the
   * primitive reads {@code key} on each use and does not own it.
   */
  Mac hmac(MacAlgorithm algorithm, SecretBytes key);

  /** AES-256 key wrap with padding (RFC 5649) under {@code key} (32 bytes), not owned. */
  KeyWrap aesKwp(SecretBytes key);

  /** Names the module and its version for the compliance report, e.g. "Bouncy Castle FIPS 2.1.3". */
  String name();
}
