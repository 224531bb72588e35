package io.custos.crypto;

/** HMAC variants; the key length equals the hash's output length. */
public enum MacAlgorithm {
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
