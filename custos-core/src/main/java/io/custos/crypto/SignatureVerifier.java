package io.custos.crypto;

import io.custos.failure.InvalidInputException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Objects;

/**
 * Checks signatures made by others — on certification requests and certificates — whatever
 * scheme their signer chose among the approved ones (PKCS #1 v1.5 and PSS with SHA-2, ECDSA,
 * Ed25519, ML-DSA). Uses AWS-LC where the configured provider is ACCP and it has the engine,
 * otherwise the JDK: verification is the costly half of issuing a certificate.
 */
public final class SignatureVerifier {
  private final Provider fast;

  private SignatureVerifier(Provider fast) {
    this.fast = fast;
  }

  public static SignatureVerifier of(AsymmetricProvider provider) {
    return new SignatureVerifier(provider instanceof AccpAsymmetricProvider a ? a.jca() : null);
  }

  /** The public key in {@code spki} of JCA key algorithm {@code keyAlgorithm} (RSA, EC, Ed25519, ML-DSA). */
  public PublicKey publicKey(String keyAlgorithm, byte[] spki) {
    try {
      return keyFactory(keyAlgorithm).generatePublic(new X509EncodedKeySpec(spki));
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new InvalidInputException("the public key is not a valid " + keyAlgorithm + " key");
    }
  }

  /**
   * Whether {@code signature} over {@code data} verifies under {@code key} with JCA signature
   * algorithm {@code algorithm} (e.g. {@code SHA256withECDSA}, {@code RSASSA-PSS} with
   * {@code params}). Malformed signatures are false.
   *
   * @throws InvalidInputException if the algorithm is not one Custos accepts
   */
  public boolean verify(String algorithm, AlgorithmParameterSpec params, PublicKey key, byte[] data, byte[] signature) {
    Objects.requireNonNull(key, "key");
    Signature s = signature(algorithm);
    try {
      s.initVerify(key);
      if (params != null) {
        s.setParameter(params);
      }
      s.update(data);
      return s.verify(signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      if (fast != null && s.getProvider() == fast) {
        // A key AWS-LC will not take (e.g. made by another provider): ask the JDK.
        return verifyWithJdk(algorithm, params, key, data, signature);
      }
      return false;
    }
  }

  private boolean verifyWithJdk(String algorithm, AlgorithmParameterSpec params, PublicKey key, byte[] data, byte[] sig) {
    try {
      Signature s = Signature.getInstance(algorithm);
      s.initVerify(key);
      if (params != null) {
        s.setParameter(params);
      }
      s.update(data);
      return s.verify(sig);
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  private Signature signature(String algorithm) {
    try {
      if (fast != null && fast.getService("Signature", algorithm) != null) {
        return Signature.getInstance(algorithm, fast);
      }
      return Signature.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new InvalidInputException("signature algorithm " + algorithm + " is not supported");
    }
  }

  private KeyFactory keyFactory(String keyAlgorithm) throws NoSuchAlgorithmException {
    String name = keyAlgorithm.equals("Ed25519") ? "EdDSA" : keyAlgorithm;
    if (fast != null && fast.getService("KeyFactory", name) != null) {
      return KeyFactory.getInstance(name, fast);
    }
    return KeyFactory.getInstance(keyAlgorithm);
  }
}
