package io.custos.crypto;

import io.custos.failure.UnavailableException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.Security;
import java.security.spec.NamedParameterSpec;
import java.util.Objects;
import javax.security.auth.DestroyFailedException;
import javax.security.auth.Destroyable;
import org.bouncycastle.crypto.AsymmetricPrivateKey;
import org.bouncycastle.crypto.AsymmetricPublicKey;
import org.bouncycastle.crypto.asymmetric.AsymmetricKeyPair;
import org.bouncycastle.crypto.asymmetric.ECDomainParametersIndex;
import org.bouncycastle.crypto.fips.FipsEC;
import org.bouncycastle.crypto.fips.FipsEdEC;
import org.bouncycastle.crypto.fips.FipsRSA;
import org.bouncycastle.crypto.fips.FipsSecureRandom;

/**
 * Key pair generation for {@link FipsCryptoModule#generateKeyPair}.
 *
 * <p>EC P-256/P-384, Ed25519 and RSA (e = 65537) are generated inside the Bouncy Castle FIPS
 * module (FIPS 186-5) from its DRBG; the module's private key object is destroyed as soon as its
 * PKCS#8 encoding has been taken. Bouncy Castle FIPS 2.1 has no ML-DSA or ML-KEM, so those come
 * from the JDK's FIPS 203/204 implementations with the module's DRBG as their only source of
 * randomness. The JDK encodes their private keys in the {@code expandedKey} form of the IETF
 * LAMPS PKCS#8 format, which both the JDK and AWS-LC (ACCP) load; the JDK's key object cannot be
 * wiped (JDK-8160206) and is left to the garbage collector.
 */
final class FipsKeyPairs {
  private static final BigInteger F4 = BigInteger.valueOf(65537);

  private FipsKeyPairs() {}

  static KeyPairMaterial generate(KeyPairType type, FipsSecureRandom random) {
    Objects.requireNonNull(type, "type");
    return switch (type) {
      case EC_P256 -> ec(type, FipsEC.DomainParameterID.P256, random);
      case EC_P384 -> ec(type, FipsEC.DomainParameterID.P384, random);
      case ED25519 -> fromModule(type, new FipsEdEC.EdDSAKeyPairGenerator(FipsEdEC.Ed25519, random).generateKeyPair());
      case RSA_3072 -> rsa(type, 3072, random);
      case RSA_4096 -> rsa(type, 4096, random);
      case ML_DSA_44 -> fromJdk(type, "SUN", NamedParameterSpec.ML_DSA_44, random);
      case ML_DSA_65 -> fromJdk(type, "SUN", NamedParameterSpec.ML_DSA_65, random);
      case ML_DSA_87 -> fromJdk(type, "SUN", NamedParameterSpec.ML_DSA_87, random);
      case ML_KEM_768 -> fromJdk(type, "SunJCE", NamedParameterSpec.ML_KEM_768, random);
      case ML_KEM_1024 -> fromJdk(type, "SunJCE", NamedParameterSpec.ML_KEM_1024, random);
    };
  }

  private static KeyPairMaterial ec(KeyPairType type, FipsEC.DomainParameterID curve, FipsSecureRandom random) {
    FipsEC.KeyGenParameters params = new FipsEC.KeyGenParameters(ECDomainParametersIndex.lookupDomainParameters(curve));
    return fromModule(type, new FipsEC.KeyPairGenerator(params, random).generateKeyPair());
  }

  private static KeyPairMaterial rsa(KeyPairType type, int bits, FipsSecureRandom random) {
    return fromModule(type, new FipsRSA.KeyPairGenerator(new FipsRSA.KeyGenParameters(F4, bits), random).generateKeyPair());
  }

  @SuppressWarnings("rawtypes")
  private static KeyPairMaterial fromModule(KeyPairType type, AsymmetricKeyPair pair) {
    AsymmetricPublicKey publicKey = (AsymmetricPublicKey) pair.getPublicKey();
    AsymmetricPrivateKey privateKey = (AsymmetricPrivateKey) pair.getPrivateKey();
    try {
      byte[] spki = publicKey.getEncoded();
      return new KeyPairMaterial(type, SecretBytes.adopt(privateKey.getEncoded()), spki);
    } finally {
      FipsKeys.destroy(privateKey);
    }
  }

  private static KeyPairMaterial fromJdk(KeyPairType type, String providerName, NamedParameterSpec spec,
      FipsSecureRandom random) {
    Provider provider = Security.getProvider(providerName);
    if (provider == null) {
      throw new UnavailableException("the JDK provider " + providerName + " for " + spec.getName() + " is not installed");
    }
    KeyPair pair;
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance(spec.getName(), provider);
      generator.initialize(spec, random);
      pair = generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new UnavailableException("the JDK cannot generate " + spec.getName() + ": " + e.getMessage());
    }
    SecretBytes privateKey = SecretBytes.adopt(pair.getPrivate().getEncoded());
    if (pair.getPrivate() instanceof Destroyable d) {
      try {
        d.destroy();
      } catch (DestroyFailedException e) {
        // JDK private keys cannot be destroyed (JDK-8160206); the object is dropped here.
      }
    }
    return new KeyPairMaterial(type, privateKey, pair.getPublic().getEncoded());
  }
}
