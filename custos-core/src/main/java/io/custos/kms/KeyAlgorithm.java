package io.custos.kms;

import io.custos.crypto.KeyPairType;
import io.custos.crypto.MacAlgorithm;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The algorithms a managed key can have. Together with the purpose, the algorithm fixes the
 * scheme: RSA keys sign with PSS or encrypt with OAEP, never both (SS-002 11.3.3).
 */
public enum KeyAlgorithm {
  AES_256_GCM("aes-256-gcm", EnumSet.of(KeyPurpose.ENCRYPT), 256, 256, null, null),
  AES_256_KWP("aes-256-kwp", EnumSet.of(KeyPurpose.WRAP), 256, 256, null, null),
  HMAC_SHA256("hmac-sha256", EnumSet.of(KeyPurpose.MAC), 256, 256, null, MacAlgorithm.HMAC_SHA256),
  HMAC_SHA384("hmac-sha384", EnumSet.of(KeyPurpose.MAC), 384, 256, null, MacAlgorithm.HMAC_SHA384),
  ECDSA_P256("ecdsa-p256", EnumSet.of(KeyPurpose.SIGN), 256, 128, KeyPairType.EC_P256, null),
  ECDSA_P384("ecdsa-p384", EnumSet.of(KeyPurpose.SIGN), 384, 192, KeyPairType.EC_P384, null),
  ED25519("ed25519", EnumSet.of(KeyPurpose.SIGN), 255, 128, KeyPairType.ED25519, null),
  RSA_3072("rsa-3072", EnumSet.of(KeyPurpose.SIGN, KeyPurpose.ENCRYPT), 3072, 128, KeyPairType.RSA_3072, null),
  RSA_4096("rsa-4096", EnumSet.of(KeyPurpose.SIGN, KeyPurpose.ENCRYPT), 4096, 152, KeyPairType.RSA_4096, null),
  ML_DSA_44("ml-dsa-44", EnumSet.of(KeyPurpose.SIGN), 0, 128, KeyPairType.ML_DSA_44, null),
  ML_DSA_65("ml-dsa-65", EnumSet.of(KeyPurpose.SIGN), 0, 192, KeyPairType.ML_DSA_65, null),
  ML_DSA_87("ml-dsa-87", EnumSet.of(KeyPurpose.SIGN), 0, 256, KeyPairType.ML_DSA_87, null),
  ML_KEM_768("ml-kem-768", EnumSet.of(KeyPurpose.ENCRYPT), 0, 192, KeyPairType.ML_KEM_768, null),
  ML_KEM_1024("ml-kem-1024", EnumSet.of(KeyPurpose.ENCRYPT), 0, 256, KeyPairType.ML_KEM_1024, null);

  private final String id;
  private final Set<KeyPurpose> purposes;
  private final int sizeBits;
  private final int securityStrength;
  private final KeyPairType pairType;
  private final MacAlgorithm mac;

  KeyAlgorithm(String id, Set<KeyPurpose> purposes, int sizeBits, int securityStrength, KeyPairType pairType,
      MacAlgorithm mac) {
    this.id = id;
    this.purposes = purposes;
    this.sizeBits = sizeBits;
    this.securityStrength = securityStrength;
    this.pairType = pairType;
    this.mac = mac;
  }

  /** The name users type, e.g. {@code ecdsa-p256}. */
  public String id() {
    return id;
  }

  public Set<KeyPurpose> purposes() {
    return EnumSet.copyOf(purposes);
  }

  public boolean serves(KeyPurpose purpose) {
    return purposes.contains(purpose);
  }

  /** Key size in bits as the inventory shows it (for ML-DSA/ML-KEM, the parameter set says it: 0). */
  public int sizeBits() {
    return sizeBits;
  }

  /** Security strength in bits (NIST SP 800-57 Part 1 Table 2). */
  public int securityStrength() {
    return securityStrength;
  }

  public boolean asymmetric() {
    return pairType != null;
  }

  public Optional<KeyPairType> pairType() {
    return Optional.ofNullable(pairType);
  }

  public Optional<MacAlgorithm> mac() {
    return Optional.ofNullable(mac);
  }

  /** Bytes of secret material per version for symmetric algorithms. */
  public int symmetricKeyBytes() {
    return switch (this) {
      case AES_256_GCM, AES_256_KWP, HMAC_SHA256 -> 32;
      case HMAC_SHA384 -> 48;
      default -> throw new IllegalStateException(id + " is asymmetric");
    };
  }

  public static Optional<KeyAlgorithm> byId(String id) {
    for (KeyAlgorithm a : values()) {
      if (a.id.equals(id)) {
        return Optional.of(a);
      }
    }
    return Optional.empty();
  }
}
