package io.custos.crypto;

/**
 * HMAC variants; the key length equals the hash's output length.
 *
 * <p>{@link #HMAC_SHA1} exists only for one-time passwords (RFC 6238 TOTP), because most
 * authenticator apps compute nothing else. HMAC with SHA-1 remains an approved use of SHA-1
 * under NIST SP 800-131A Rev. 2 (HMAC generation and verification with keys of at least 112
 * bits); SHA-1 is not used for signatures or hashing anywhere in Custos, and KMS keys cannot
 * choose it.
 */
public enum MacAlgorithm {
  HMAC_SHA1(20),
  HMAC_SHA256(32),
  HMAC_SHA384(48);

  private final int keyBytes;

  MacAlgorithm(int keyBytes) {
    this.keyBytes = keyBytes;
  }

  public int keyBytes() {
    return keyBytes;
  }

  public int tagBytes() {
    return keyBytes;
  }
}
