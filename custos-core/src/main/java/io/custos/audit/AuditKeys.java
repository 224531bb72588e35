package io.custos.audit;

import java.util.Optional;

/** What the API needs of the audit keys, whether or not the node is unsealed right now. */
public interface AuditKeys {

  /** Name the checkpoint key signs under. */
  String keyName();

  /** The raw Ed25519 checkpoint public key, once the keys exist. */
  Optional<byte[]> publicKey();

  /**
   * HMAC-SHA-256 of a sensitive identifier.
   *
   * @throws io.custos.failure.UnavailableException while sealed (the key is under the barrier)
   */
  String hash(String value);
}
