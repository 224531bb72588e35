package io.custos.crypto;

import io.custos.failure.UnavailableException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.Provider;
import java.security.Security;
import java.security.Signature;
import javax.crypto.Cipher;
import javax.crypto.KEM;

/**
 * Asymmetric operations by the JDK's own providers, named explicitly so that no other installed
 * provider is picked up: SunEC (ECDSA, Ed25519), SunRsaSign (RSASSA-PSS), SunJCE (RSA-OAEP,
 * ML-KEM) and SUN (ML-DSA). The JDK's private keys cannot be wiped (JDK-8160206), so
 * {@link PrivateKeyHandle#wipesOnClose()} is false for every handle this provider gives out.
 */
final class JdkAsymmetricProvider extends JcaAsymmetricProvider {
  private final Provider sun;
  private final Provider sunEc;
  private final Provider sunRsaSign;
  private final Provider sunJce;
  private final String version = Runtime.version().toString();

  JdkAsymmetricProvider() {
    this.sun = provider("SUN");
    this.sunEc = provider("SunEC");
    this.sunRsaSign = provider("SunRsaSign");
    this.sunJce = provider("SunJCE");
  }

  private static Provider provider(String name) {
    Provider p = Security.getProvider(name);
    if (p == null) {
      throw new UnavailableException("the JDK provider " + name + " is not installed in this Java runtime");
    }
    return p;
  }

  /** The JDK provider that performs operations with keys of {@code type}. */
  Provider providerFor(KeyPairType type) {
    return switch (type) {
      case EC_P256, EC_P384, ED25519 -> sunEc;
      case RSA_3072, RSA_4096 -> sunRsaSign;
      case ML_DSA_44, ML_DSA_65, ML_DSA_87 -> sun;
      case ML_KEM_768, ML_KEM_1024 -> sunJce;
    };
  }

  @Override
  KeyFactory keyFactory(KeyPairType type) throws GeneralSecurityException {
    String algorithm = switch (type) {
      case EC_P256, EC_P384 -> "EC";
      case ED25519 -> "Ed25519";
      case RSA_3072, RSA_4096 -> "RSA";
      case ML_DSA_44, ML_DSA_65, ML_DSA_87 -> "ML-DSA";
      case ML_KEM_768, ML_KEM_1024 -> "ML-KEM";
    };
    return KeyFactory.getInstance(algorithm, providerFor(type));
  }

  @Override
  Signature signature(KeyPairType type) throws GeneralSecurityException {
    Signature signature = Signature.getInstance(signatureAlgorithm(type), providerFor(type));
    setSchemeParameters(type, signature);
    return signature;
  }

  @Override
  Cipher oaep(KeyPairType type) throws GeneralSecurityException {
    return Cipher.getInstance(OAEP_TRANSFORMATION, sunJce);
  }

  @Override
  KEM kem(KeyPairType type) throws GeneralSecurityException {
    return KEM.getInstance("ML-KEM", sunJce);
  }

  @Override
  boolean wipesOnClose(KeyPairType type) {
    return false;
  }

  @Override
  String performer(KeyPairType type) {
    String provider = type.use() == KeyPairType.Use.SIGN_OR_ENCRYPT ? "SunRsaSign, SunJCE" : providerFor(type).getName();
    return "JDK " + version + " (" + provider + ")";
  }

  @Override
  public String name() {
    return "JDK " + version + " (SunEC, SunRsaSign, SunJCE, SUN)";
  }

  @Override
  public String toString() {
    return "AsymmetricProvider[" + name() + "]";
  }
}
