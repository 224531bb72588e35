package io.custos.crypto;

/**
 * The asymmetric key types Custos generates and uses. The type fixes the scheme, so a key can
 * be used in exactly one way: EC and EdDSA keys and ML-DSA sign, ML-KEM keys encapsulate, and
 * RSA keys sign with PSS or encrypt with OAEP depending on the purpose their owner gave them.
 *
 * <p>Schemes: {@code EC_P256} ECDSA with SHA-256, {@code EC_P384} ECDSA with SHA-384 (DER
 * signatures); {@code ED25519} pure Ed25519; RSA signatures RSASSA-PSS with SHA-256, MGF1-SHA-256
 * and a 32-byte salt; RSA encryption RSAES-OAEP with SHA-256 and MGF1-SHA-256; ML-DSA pure
 * (FIPS 204, empty context); ML-KEM FIPS 203.
 */
public enum KeyPairType {
  EC_P256(128, Use.SIGN),
  EC_P384(192, Use.SIGN),
  ED25519(128, Use.SIGN),
  RSA_3072(128, Use.SIGN_OR_ENCRYPT),
  RSA_4096(152, Use.SIGN_OR_ENCRYPT),
  ML_DSA_44(128, Use.SIGN),
  ML_DSA_65(192, Use.SIGN),
  ML_DSA_87(256, Use.SIGN),
  ML_KEM_768(192, Use.ENCAPSULATE),
  ML_KEM_1024(256, Use.ENCAPSULATE);

  /** What a key of this type can do. */
  public enum Use { SIGN, SIGN_OR_ENCRYPT, ENCAPSULATE }

  private final int securityStrength;
  private final Use use;

  KeyPairType(int securityStrength, Use use) {
    this.securityStrength = securityStrength;
    this.use = use;
  }

  /** Security strength in bits (NIST SP 800-57 Part 1 Table 2; FIPS 203/204 categories). */
  public int securityStrength() {
    return securityStrength;
  }

  public Use use() {
    return use;
  }

  public boolean signs() {
    return use != Use.ENCAPSULATE;
  }
}
