package io.custos.crypto;

/** A keyed MAC (HMAC) from the validated module. Safe for concurrent use. */
public interface Mac {
  /** The tag over {@code message}. */
  byte[] tag(byte[] message);

  /** True if {@code tag} is the tag of {@code message}; compared in constant time. */
  boolean verify(byte[] message, byte[] tag);
}
