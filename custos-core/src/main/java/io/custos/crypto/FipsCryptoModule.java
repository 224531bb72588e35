package io.custos.crypto;

import io.custos.failure.InvalidInputException;
import io.custos.failure.UnavailableException;
import java.util.Objects;
import org.bouncycastle.crypto.CryptoServicesRegistrar;
import org.bouncycastle.crypto.fips.FipsStatus;

/**
 * The Bouncy Castle FIPS module ({@code org.bouncycastle:bc-fips}, FIPS 140-3 validated) behind
 * {@link CryptoModule}: HMAC_DRBG (SHA-512, SP 800-90A), AES-256-GCM (SP 800-38D), HMAC-SHA-256/384
 * (FIPS 198-1; HMAC-SHA-1 for one-time passwords only), AES key wrap with padding (SP 800-38F) and key pair generation (FIPS 186-5 for EC,
 * EdDSA and RSA; ML-DSA and ML-KEM, which this module version lacks, from the JDK driven by the
 * module's DRBG). Creating one runs the module's power-on self-tests; a module that fails them is
 * refused.
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
    return FipsKeyPairs.generate(type, drbg.random());
  }

  /**
   * {@inheritDoc}
   *
   * @throws InvalidInputException if {@code key} is not {@link MacAlgorithm#keyBytes()} long
   */
  @Override
  public Mac hmac(MacAlgorithm algorithm, SecretBytes key) {
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(key, "key");
    if (key.length() != algorithm.keyBytes()) {
      throw new InvalidInputException(algorithm + " needs a " + algorithm.keyBytes() + "-byte key, not "
          + key.length() + " bytes");
    }
    return new FipsHmac(algorithm, key);
  }

  /**
   * {@inheritDoc}
   *
   * @throws InvalidInputException if {@code key} is not 32 bytes
   */
  @Override
  public KeyWrap aesKwp(SecretBytes key) {
    Objects.requireNonNull(key, "key");
    if (key.length() != 32) {
      throw new InvalidInputException("AES-256 key wrap needs a 32-byte key, not " + key.length() + " bytes");
    }
    return new FipsAesKwp(key);
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
