package io.custos.kms;

import io.custos.crypto.Aead;
import io.custos.crypto.AsymmetricProvider;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.KeyWrap;
import io.custos.crypto.Mac;
import io.custos.crypto.NonceBudget;
import io.custos.crypto.SecretBytes;

/**
 * The secret half of one key version while Custos is unsealed, with the primitives made from
 * it. The material is the only long-lived copy: symmetric primitives read it per operation, and
 * a provider's private-key object is destroyed with it. {@link #close()} wipes everything
 * (SS-002 11.3.7).
 */
final class VersionMaterial implements AutoCloseable {
  private final KeyAlgorithm algorithm;
  private final KeyPurpose purpose;
  private final SecretBytes secret;
  private final NonceBudget budget;
  private Aead aead;
  private Mac mac;
  private KeyWrap wrap;
  private AsymmetricProvider.PrivateKeyHandle privateKey;

  VersionMaterial(KeyAlgorithm algorithm, KeyPurpose purpose, SecretBytes secret, NonceBudget budget) {
    this.algorithm = algorithm;
    this.purpose = purpose;
    this.secret = secret;
    this.budget = budget;
  }

  NonceBudget budget() {
    return budget;
  }

  synchronized Aead aead(CryptoModule module) {
    if (aead == null) {
      aead = module.aes256Gcm(secret, budget);
    }
    return aead;
  }

  synchronized Mac mac(CryptoModule module) {
    if (mac == null) {
      mac = module.hmac(algorithm.mac().orElseThrow(), secret);
    }
    return mac;
  }

  synchronized KeyWrap wrap(CryptoModule module) {
    if (wrap == null) {
      wrap = module.aesKwp(secret);
    }
    return wrap;
  }

  synchronized AsymmetricProvider.PrivateKeyHandle privateKey(AsymmetricProvider provider) {
    if (privateKey == null) {
      privateKey = provider.privateKey(algorithm.pairType().orElseThrow(), secret);
    }
    return privateKey;
  }

  /** Runs {@code f} over the raw material (for backup and wrapping under another key). */
  <T> T withSecret(java.util.function.Function<SecretBytes, T> f) {
    return f.apply(secret);
  }

  boolean wiped() {
    return secret.isWiped() && (privateKey == null || !privateKey.wipesOnClose() || privateKeyClosed);
  }

  private boolean privateKeyClosed;

  @Override
  public synchronized void close() {
    if (privateKey != null) {
      privateKey.close();
      privateKeyClosed = true;
    }
    secret.close();
    aead = null;
    mac = null;
    wrap = null;
  }

  @Override
  public String toString() {
    return "VersionMaterial[" + algorithm.id() + "/" + purpose.id() + ", hidden]";
  }
}
