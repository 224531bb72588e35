package io.custos.crypto;

import java.util.Objects;

/**
 * A freshly generated key pair: the private key as PKCS#8 DER in a zeroising holder, the public
 * key as X.509 SubjectPublicKeyInfo DER. Closing wipes the private half.
 */
public record KeyPairMaterial(KeyPairType type, SecretBytes privateKey, byte[] publicKey) implements AutoCloseable {
  public KeyPairMaterial {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(privateKey, "privateKey");
    publicKey = Objects.requireNonNull(publicKey, "publicKey").clone();
  }

  @Override
  public byte[] publicKey() {
    return publicKey.clone();
  }

  @Override
  public void close() {
    privateKey.close();
  }

  @Override
  public String toString() {
    return "KeyPairMaterial[" + type + ", private key hidden]";
  }
}
