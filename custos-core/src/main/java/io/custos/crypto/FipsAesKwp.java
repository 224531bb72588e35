package io.custos.crypto;

import io.custos.failure.InvalidInputException;
import java.util.Objects;
import org.bouncycastle.crypto.InvalidWrappingException;
import org.bouncycastle.crypto.SymmetricSecretKey;
import org.bouncycastle.crypto.fips.FipsAES;

/**
 * AES key wrap with padding (RFC 5649, NIST SP 800-38F KWP) from the Bouncy Castle FIPS module.
 * The module's key object is made for one operation and destroyed straight after. The key
 * length policy (AES-256 only) is {@link FipsCryptoModule#aesKwp}'s; this class takes any AES
 * key so that published test vectors can be checked.
 */
final class FipsAesKwp implements KeyWrap {
  private static final FipsAES.KeyWrapOperatorFactory FACTORY = new FipsAES.KeyWrapOperatorFactory();

  private final SecretBytes key;

  FipsAesKwp(SecretBytes key) {
    this.key = Objects.requireNonNull(key, "key");
    int n = key.length();
    if (n != 16 && n != 24 && n != 32) {
      throw new InvalidInputException("AES key wrap needs a 16, 24 or 32-byte key, not " + n + " bytes");
    }
  }

  @Override
  public byte[] wrap(SecretBytes keyMaterial) {
    Objects.requireNonNull(keyMaterial, "keyMaterial");
    if (keyMaterial.length() == 0) {
      throw new InvalidInputException("there is no key material to wrap (0 bytes)");
    }
    return key.use(k -> keyMaterial.use(m -> {
      SymmetricSecretKey moduleKey = new SymmetricSecretKey(FipsAES.KWP, k);
      try {
        return FACTORY.createKeyWrapper(moduleKey, FipsAES.KWP).wrap(m, 0, m.length);
      } catch (Exception e) {
        throw new IllegalStateException("AES key wrap failed", e);
      } finally {
        FipsKeys.destroy(moduleKey);
      }
    }));
  }

  @Override
  public SecretBytes unwrap(byte[] wrapped) {
    Objects.requireNonNull(wrapped, "wrapped");
    // RFC 5649: at least two 64-bit blocks, whole blocks only.
    if (wrapped.length < 16 || wrapped.length % 8 != 0) {
      throw new InvalidInputException("wrapped key does not authenticate");
    }
    return key.use(k -> {
      SymmetricSecretKey moduleKey = new SymmetricSecretKey(FipsAES.KWP, k);
      try {
        return SecretBytes.adopt(FACTORY.createKeyUnwrapper(moduleKey, FipsAES.KWP).unwrap(wrapped, 0, wrapped.length));
      } catch (InvalidWrappingException e) {
        throw new InvalidInputException("wrapped key does not authenticate", e);
      } finally {
        FipsKeys.destroy(moduleKey);
      }
    });
  }

  @Override
  public String toString() {
    return "FipsAesKwp[AES-" + key.length() * 8 + " KWP]";
  }
}
