package io.custos.audit;

/**
 * Signs checkpoints with an Ed25519 key. The key may live anywhere (memory, behind the barrier,
 * an HSM); callers see only its name, its public half and signatures.
 */
public interface CheckpointSigner {
  /**
   * The key name of the signature lines (c2sp.org/signed-note): non-empty, no spaces, no '+';
   * by convention the log's origin, e.g. {@code custos.example.org/audit}.
   */
  String keyName();

  /** The raw 32-byte Ed25519 public key (RFC 8032). */
  byte[] publicKey();

  /** The 64-byte Ed25519 signature of {@code message}. */
  byte[] sign(byte[] message);
}
