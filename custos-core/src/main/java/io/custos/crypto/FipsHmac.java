package io.custos.crypto;

import io.custos.failure.InvalidInputException;
import java.security.MessageDigest;
import java.util.Objects;
import org.bouncycastle.crypto.SymmetricSecretKey;
import org.bouncycastle.crypto.UpdateOutputStream;
import org.bouncycastle.crypto.fips.FipsOutputMACCalculator;
import org.bouncycastle.crypto.fips.FipsSHS;

/**
 * HMAC (FIPS 198-1) with SHA-256 or SHA-384 (and SHA-1, for one-time passwords only) from the Bouncy Castle FIPS module. As with
 * {@link FipsAesGcm}, the module's key object is made for one operation and destroyed straight
 * after, so the key's only long-lived copy is the caller's {@link SecretBytes}. The key length
 * policy (key as long as the hash output) is {@link FipsCryptoModule#hmac}'s; this class takes
 * any non-empty key so that published test vectors can be checked.
 */
final class FipsHmac implements Mac {
  private static final FipsSHS.MACOperatorFactory FACTORY = new FipsSHS.MACOperatorFactory();

  private final MacAlgorithm algorithm;
  private final FipsSHS.AuthParameters parameters;
  private final SecretBytes key;

  FipsHmac(MacAlgorithm algorithm, SecretBytes key) {
    this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
    this.key = Objects.requireNonNull(key, "key");
    if (key.length() == 0) {
      throw new InvalidInputException("an HMAC key cannot be empty");
    }
    this.parameters = switch (algorithm) {
      case HMAC_SHA1 -> FipsSHS.SHA1_HMAC;
      case HMAC_SHA256 -> FipsSHS.SHA256_HMAC;
      case HMAC_SHA384 -> FipsSHS.SHA384_HMAC;
    };
  }

  @Override
  public byte[] tag(byte[] message) {
    Objects.requireNonNull(message, "message");
    return key.use(k -> {
      SymmetricSecretKey moduleKey = new SymmetricSecretKey(parameters, k);
      try {
        FipsOutputMACCalculator<FipsSHS.AuthParameters> mac = FACTORY.createOutputMACCalculator(moduleKey, parameters);
        UpdateOutputStream in = mac.getMACStream();
        in.update(message);
        return mac.getMAC();
      } finally {
        FipsKeys.destroy(moduleKey);
      }
    });
  }

  @Override
  public boolean verify(byte[] message, byte[] tag) {
    Objects.requireNonNull(tag, "tag");
    return MessageDigest.isEqual(tag(message), tag);
  }

  @Override
  public String toString() {
    return "FipsHmac[" + algorithm + "]";
  }
}
