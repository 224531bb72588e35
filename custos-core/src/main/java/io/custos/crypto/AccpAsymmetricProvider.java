package io.custos.crypto;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import io.custos.failure.UnavailableException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.Provider;
import java.security.Signature;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.KEM;

/**
 * Asymmetric operations by AWS-LC through the Amazon Corretto Crypto Provider. The provider
 * object is used directly and never installed as a JCA provider. Its private keys are native
 * AWS-LC keys, freed (and so cleansed) when a handle closes. Key types ACCP has no engine for
 * (ML-KEM in ACCP 2.5) are delegated to the JDK, and {@link #name()} says so.
 */
final class AccpAsymmetricProvider extends JcaAsymmetricProvider {
  /**
   * ACCP registers its EdDSA KeyFactory only when asked, because a globally installed ACCP would
   * otherwise hand out Ed25519 keys that are not {@code EdECKey}s. Custos never installs it, so
   * the factory is asked for; the property is read when ACCP's provider object is created, which
   * happens first from here.
   */
  private static final String REGISTER_ED_KEY_FACTORY = "com.amazon.corretto.crypto.provider.registerEdKeyFactory";

  static {
    if (System.getProperty(REGISTER_ED_KEY_FACTORY) == null) {
      System.setProperty(REGISTER_ED_KEY_FACTORY, "true");
    }
  }

  private final Provider accp;
  private final String label;
  private final JdkAsymmetricProvider jdk;
  private final EnumSet<KeyPairType> delegated;

  private AccpAsymmetricProvider(Provider accp, String version, JdkAsymmetricProvider jdk) {
    this.accp = accp;
    this.label = "AWS-LC (ACCP " + version + ")";
    this.jdk = Objects.requireNonNull(jdk, "jdk");
    EnumSet<KeyPairType> missing = EnumSet.noneOf(KeyPairType.class);
    for (KeyPairType type : KeyPairType.values()) {
      if (!supports(accp, type)) {
        missing.add(type);
      }
    }
    this.delegated = missing;
  }

  /**
   * The ACCP provider, if its native library loaded and its self-tests passed.
   *
   * @throws UnavailableException saying why it cannot be used
   */
  static AccpAsymmetricProvider load(JdkAsymmetricProvider jdk) {
    AmazonCorrettoCryptoProvider accp = AmazonCorrettoCryptoProvider.INSTANCE;
    Throwable loadingError = accp.getLoadingError();
    if (loadingError != null) {
      throw new UnavailableException("the Amazon Corretto Crypto Provider's native library did not load: "
          + loadingError);
    }
    try {
      accp.assertHealthy();
    } catch (RuntimeException e) {
      throw new UnavailableException("the Amazon Corretto Crypto Provider failed its self-tests: " + e.getMessage());
    }
    return new AccpAsymmetricProvider(accp, accp.getVersionStr(), jdk);
  }

  private static boolean supports(Provider p, KeyPairType type) {
    return switch (type) {
      case EC_P256, EC_P384 -> has(p, "KeyFactory", "EC") && has(p, "Signature", signatureAlgorithm(type));
      case ED25519 -> has(p, "KeyFactory", "EdDSA") && has(p, "Signature", "Ed25519");
      case RSA_3072, RSA_4096 -> has(p, "KeyFactory", "RSA") && has(p, "Signature", "RSASSA-PSS")
          && has(p, "Cipher", OAEP_TRANSFORMATION);
      case ML_DSA_44, ML_DSA_65, ML_DSA_87 -> has(p, "KeyFactory", "ML-DSA") && has(p, "Signature", "ML-DSA");
      case ML_KEM_768, ML_KEM_1024 -> has(p, "KeyFactory", "ML-KEM") && has(p, "KEM", "ML-KEM");
    };
  }

  private static boolean has(Provider p, String service, String algorithm) {
    return p.getService(service, algorithm) != null;
  }

  /** The ACCP JCA provider, for engines beyond the port (certificate and CSR signature checks). */
  Provider jca() {
    return accp;
  }

  Set<KeyPairType> delegated() {
    return EnumSet.copyOf(delegated);
  }

  @Override
  KeyFactory keyFactory(KeyPairType type) throws GeneralSecurityException {
    if (delegated.contains(type)) {
      return jdk.keyFactory(type);
    }
    String algorithm = switch (type) {
      case EC_P256, EC_P384 -> "EC";
      case ED25519 -> "EdDSA";
      case RSA_3072, RSA_4096 -> "RSA";
      case ML_DSA_44, ML_DSA_65, ML_DSA_87 -> "ML-DSA";
      case ML_KEM_768, ML_KEM_1024 -> "ML-KEM";
    };
    return KeyFactory.getInstance(algorithm, accp);
  }

  @Override
  Signature signature(KeyPairType type) throws GeneralSecurityException {
    if (delegated.contains(type)) {
      return jdk.signature(type);
    }
    Signature signature = Signature.getInstance(signatureAlgorithm(type), accp);
    setSchemeParameters(type, signature);
    return signature;
  }

  @Override
  Cipher oaep(KeyPairType type) throws GeneralSecurityException {
    return delegated.contains(type) ? jdk.oaep(type) : Cipher.getInstance(OAEP_TRANSFORMATION, accp);
  }

  @Override
  KEM kem(KeyPairType type) throws GeneralSecurityException {
    return delegated.contains(type) ? jdk.kem(type) : KEM.getInstance("ML-KEM", accp);
  }

  @Override
  boolean wipesOnClose(KeyPairType type) {
    return !delegated.contains(type);
  }

  @Override
  String performer(KeyPairType type) {
    return delegated.contains(type) ? jdk.performer(type) : label;
  }

  @Override
  public String name() {
    if (delegated.isEmpty()) {
      return label;
    }
    Set<String> families = new LinkedHashSet<>();
    for (KeyPairType type : delegated) {
      families.add(family(type));
    }
    return label + "; JDK for " + String.join(", ", families);
  }

  private static String family(KeyPairType type) {
    return switch (type) {
      case EC_P256, EC_P384 -> "ECDSA";
      case ED25519 -> "Ed25519";
      case RSA_3072, RSA_4096 -> "RSA";
      case ML_DSA_44, ML_DSA_65, ML_DSA_87 -> "ML-DSA";
      case ML_KEM_768, ML_KEM_1024 -> "ML-KEM";
    };
  }

  @Override
  public String toString() {
    return "AsymmetricProvider[" + name() + "]";
  }
}
