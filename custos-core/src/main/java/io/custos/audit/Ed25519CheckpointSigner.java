package io.custos.audit;

import io.custos.failure.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Objects;

/**
 * A {@link CheckpointSigner} over a JDK Ed25519 {@link KeyPair}. The pair is checked at
 * construction: the public key must be Ed25519 and the private key must produce signatures that
 * it verifies, so a mismatched pair fails here rather than in an auditor's hands.
 */
public final class Ed25519CheckpointSigner implements CheckpointSigner {
  private final String keyName;
  private final byte[] publicKey;
  private final PrivateKey privateKey;

  public Ed25519CheckpointSigner(String keyName, KeyPair keyPair) {
    this.keyName = CheckpointKeys.checkKeyName(keyName);
    Objects.requireNonNull(keyPair, "keyPair");
    this.publicKey = CheckpointKeys.rawPublicKey(keyPair.getPublic());
    this.privateKey = Objects.requireNonNull(keyPair.getPrivate(), "private key");
    byte[] probe = ("custos checkpoint key check " + keyName).getBytes(StandardCharsets.UTF_8);
    byte[] signature;
    try {
      signature = sign(probe);
    } catch (IllegalStateException e) {
      throw new InvalidInputException("the private key cannot make Ed25519 signatures", e);
    }
    if (!CheckpointKeys.verify(publicKey, probe, signature)) {
      throw new InvalidInputException("the private key does not belong to the public key");
    }
  }

  @Override
  public String keyName() {
    return keyName;
  }

  @Override
  public byte[] publicKey() {
    return publicKey.clone();
  }

  @Override
  public byte[] sign(byte[] message) {
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(privateKey);
      s.update(message);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 signing failed: " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "Ed25519CheckpointSigner[" + keyName + ", key ID "
        + String.format("%08x", CheckpointKeys.keyId(keyName, publicKey)) + "]";
  }
}
