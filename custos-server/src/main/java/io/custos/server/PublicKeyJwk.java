package io.custos.server;

import io.custos.crypto.KeyPairType;
import io.custos.failure.InvalidInputException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Public keys (X.509 SubjectPublicKeyInfo DER) as PEM and as JSON Web Keys: RFC 7517/7518 for
 * EC ({@code kty EC}) and RSA, RFC 8037 for Ed25519 ({@code kty OKP}), and the "AKP" key type of
 * the JOSE ML-DSA draft for ML-DSA and ML-KEM ({@code pub} is the raw public key). Nothing
 * private ever goes through here.
 */
final class PublicKeyJwk {
  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

  private PublicKeyJwk() {}

  /** {@code -----BEGIN PUBLIC KEY-----} PEM of the SPKI. */
  static String pem(byte[] spki) {
    return "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).encodeToString(spki)
        + "\n-----END PUBLIC KEY-----\n";
  }

  /** The JWK of {@code spki}, which holds a key of {@code type}; {@code kid} names it. */
  static Map<String, Object> jwk(KeyPairType type, byte[] spki, String kid) {
    Map<String, Object> jwk = new LinkedHashMap<>();
    try {
      switch (type) {
        case EC_P256, EC_P384 -> {
          ECPublicKey k = (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(spki));
          int size = type == KeyPairType.EC_P256 ? 32 : 48;
          jwk.put("kty", "EC");
          jwk.put("crv", type == KeyPairType.EC_P256 ? "P-256" : "P-384");
          jwk.put("x", B64URL.encodeToString(unsigned(k.getW().getAffineX(), size)));
          jwk.put("y", B64URL.encodeToString(unsigned(k.getW().getAffineY(), size)));
          jwk.put("alg", type == KeyPairType.EC_P256 ? "ES256" : "ES384");
        }
        case ED25519 -> {
          jwk.put("kty", "OKP");
          jwk.put("crv", "Ed25519");
          jwk.put("x", B64URL.encodeToString(rawKey(spki)));
          jwk.put("alg", "EdDSA");
        }
        case RSA_3072, RSA_4096 -> {
          RSAPublicKey k = (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(spki));
          jwk.put("kty", "RSA");
          jwk.put("n", B64URL.encodeToString(unsigned(k.getModulus(), (k.getModulus().bitLength() + 7) / 8)));
          jwk.put("e", B64URL.encodeToString(unsigned(k.getPublicExponent(), (k.getPublicExponent().bitLength() + 7) / 8)));
        }
        default -> {
          jwk.put("kty", "AKP");
          jwk.put("alg", akpAlgorithm(type));
          jwk.put("pub", B64URL.encodeToString(rawKey(spki)));
        }
      }
    } catch (GeneralSecurityException | ClassCastException e) {
      throw new InvalidInputException("the stored public key is not a " + type + " key");
    }
    jwk.put("kid", kid);
    return jwk;
  }

  private static String akpAlgorithm(KeyPairType type) {
    return switch (type) {
      case ML_DSA_44 -> "ML-DSA-44";
      case ML_DSA_65 -> "ML-DSA-65";
      case ML_DSA_87 -> "ML-DSA-87";
      case ML_KEM_768 -> "ML-KEM-768";
      case ML_KEM_1024 -> "ML-KEM-1024";
      default -> throw new IllegalArgumentException(type + " has its own JWK key type");
    };
  }

  /** Big-endian, unsigned, left-padded to {@code size} bytes. */
  static byte[] unsigned(BigInteger n, int size) {
    byte[] b = n.toByteArray();
    if (b.length == size) {
      return b;
    }
    if (b.length > size) {
      return Arrays.copyOfRange(b, b.length - size, b.length); // a leading sign byte
    }
    byte[] out = new byte[size];
    System.arraycopy(b, 0, out, size - b.length, b.length);
    return out;
  }

  /**
   * The content of the SPKI's subjectPublicKey BIT STRING: {@code SEQUENCE { SEQUENCE
   * algorithm, BIT STRING key }}.
   */
  static byte[] rawKey(byte[] spki) {
    int[] outer = header(spki, 0, 0x30);
    int[] algorithm = header(spki, outer[0], 0x30);
    int[] bits = header(spki, algorithm[0] + algorithm[1], 0x03);
    if (bits[1] < 2 || spki[bits[0]] != 0) {
      throw new InvalidInputException("the stored public key is not a SubjectPublicKeyInfo");
    }
    return Arrays.copyOfRange(spki, bits[0] + 1, bits[0] + bits[1]);
  }

  /** DER tag and length at {@code at}: {content offset, content length}. */
  private static int[] header(byte[] der, int at, int tag) {
    if (at + 2 > der.length || (der[at] & 0xff) != tag) {
      throw new InvalidInputException("the stored public key is not a SubjectPublicKeyInfo");
    }
    int len = der[at + 1] & 0xff;
    int offset = at + 2;
    if (len > 0x80) {
      int n = len - 0x80;
      if (n > 3 || offset + n > der.length) {
        throw new InvalidInputException("the stored public key is not a SubjectPublicKeyInfo");
      }
      len = 0;
      for (int i = 0; i < n; i++) {
        len = (len << 8) | (der[offset + i] & 0xff);
      }
      offset += n;
    } else if (len == 0x80) {
      throw new InvalidInputException("the stored public key is not a SubjectPublicKeyInfo");
    }
    if (offset + len > der.length) {
      throw new InvalidInputException("the stored public key is not a SubjectPublicKeyInfo");
    }
    return new int[] {offset, len};
  }
}
