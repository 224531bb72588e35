package io.custos.crypto;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Objects;
import org.bouncycastle.crypto.fips.FipsDRBG;
import org.bouncycastle.crypto.fips.FipsSecureRandom;

/**
 * HMAC_DRBG with SHA-512 (NIST SP 800-90A) from the Bouncy Castle FIPS module, at 256-bit
 * security strength. Entropy comes from the JVM's {@link SecureRandom} (the operating system's
 * generator), read through {@code generateSeed} on instantiation and on every reseed.
 */
final class FipsDrbg implements Drbg {
  private static final byte[] PERSONALISATION = "custos-drbg-v1".getBytes(StandardCharsets.US_ASCII);

  private final FipsSecureRandom random;

  private FipsDrbg(FipsSecureRandom random) {
    this.random = random;
  }

  static FipsDrbg instantiate() {
    SecureRandom entropy = new SecureRandom();
    byte[] nonce = entropy.generateSeed(16);
    FipsSecureRandom random = FipsDRBG.SHA512_HMAC
        .fromEntropySource(entropy, true)
        .setSecurityStrength(256)
        .setEntropyBitsRequired(256)
        .setPersonalizationString(PERSONALISATION)
        .build(nonce, false);
    return new FipsDrbg(random);
  }

  @Override
  public void nextBytes(byte[] out) {
    Objects.requireNonNull(out, "out");
    synchronized (random) {
      random.nextBytes(out);
    }
  }

  @Override
  public SecretBytes newKey(int bytes) {
    if (bytes < 16 || bytes > 64) {
      throw new IllegalArgumentException("key length must be 16..64 bytes, was " + bytes);
    }
    byte[] material = new byte[bytes];
    nextBytes(material);
    return SecretBytes.adopt(material);
  }

  /** The module's generator itself, for primitives that draw their IVs inside the module. */
  @Override
  public SecureRandom asSecureRandom() {
    return random;
  }

  FipsSecureRandom random() {
    return random;
  }

  @Override
  public String toString() {
    return "FipsDrbg[" + random.getAlgorithm() + ", " + random.getSecurityStrength() + " bits]";
  }
}
