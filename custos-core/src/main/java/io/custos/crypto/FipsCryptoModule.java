package io.custos.crypto;

import io.custos.failure.UnavailableException;
import org.bouncycastle.crypto.CryptoServicesRegistrar;
import org.bouncycastle.crypto.fips.FipsStatus;

/**
 * The Bouncy Castle FIPS module ({@code org.bouncycastle:bc-fips}, FIPS 140-3 validated) behind
 * {@link CryptoModule}: HMAC_DRBG (SHA-512, SP 800-90A) and AES-256-GCM (SP 800-38D). Creating
 * one runs the module's power-on self-tests; a module that fails them is refused.
 */
public final class FipsCryptoModule implements CryptoModule {
  private final FipsDrbg drbg;

  private FipsCryptoModule(FipsDrbg drbg) {
    this.drbg = drbg;
  }

  /**
   * Starts the module and instantiates its DRBG.
   *
   * @throws UnavailableException if the module's self-tests did not pass
   */
  public static FipsCryptoModule start() {
    if (!FipsStatus.isReady()) {
      throw new UnavailableException("the FIPS cryptographic module is not ready: " + FipsStatus.getStatusMessage());
    }
    return new FipsCryptoModule(FipsDrbg.instantiate());
  }

  @Override
  public Drbg drbg() {
    return drbg;
  }

  @Override
  public Aead aes256Gcm(SecretBytes key, NonceBudget budget) {
    return new FipsAesGcm(key, budget, drbg.random());
  }

  @Override
  public KeyPairMaterial generateKeyPair(KeyPairType type) {
    throw new UnsupportedOperationException("not yet");
  }

  @Override
  public Mac hmac(MacAlgorithm algorithm, SecretBytes key) {
    throw new UnsupportedOperationException("not yet");
  }

  @Override
  public KeyWrap aesKwp(SecretBytes key) {
    throw new UnsupportedOperationException("not yet");
  }

  @Override
  public String name() {
    String version = CryptoServicesRegistrar.class.getPackage().getImplementationVersion();
    return "Bouncy Castle FIPS " + (version == null ? "(version unknown)" : version);
  }

  @Override
  public String toString() {
    return "FipsCryptoModule[" + name() + "]";
  }
}
