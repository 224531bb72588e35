package io.custos.crypto;

import io.custos.failure.InvalidInputException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Reads just enough of a PKCS#8 PrivateKeyInfo or an X.509 SubjectPublicKeyInfo to check its
 * AlgorithmIdentifier against a {@link KeyPairType} before any provider parses the key. It never
 * copies the private key bytes and never puts them in a message.
 */
final class KeyDer {
  private static final HexFormat HEX = HexFormat.of();
  private static final byte[] EC = HEX.parseHex("2a8648ce3d0201");
  private static final byte[] P256 = HEX.parseHex("2a8648ce3d030107");
  private static final byte[] P384 = HEX.parseHex("2b81040022");
  private static final byte[] ED25519 = HEX.parseHex("2b6570");
  private static final byte[] RSA = HEX.parseHex("2a864886f70d010101");
  private static final byte[] ML_DSA_44 = HEX.parseHex("608648016503040311");
  private static final byte[] ML_DSA_65 = HEX.parseHex("608648016503040312");
  private static final byte[] ML_DSA_87 = HEX.parseHex("608648016503040313");
  private static final byte[] ML_KEM_768 = HEX.parseHex("608648016503040402");
  private static final byte[] ML_KEM_1024 = HEX.parseHex("608648016503040403");

  private KeyDer() {}

  /** Display name of a type, e.g. "ML-DSA-65", "EC P-256", "RSA-3072". */
  static String label(KeyPairType type) {
    return switch (type) {
      case EC_P256 -> "EC P-256";
      case EC_P384 -> "EC P-384";
      case ED25519 -> "Ed25519";
      default -> type.name().replace('_', '-');
    };
  }

  /** Checks that {@code der} is a PKCS#8 private key of {@code type}. */
  static void checkPrivate(KeyPairType type, byte[] der) {
    try {
      Reader outer = new Reader(der, 0, der.length).enter(0x30);
      outer.skip(0x02); // version
      check(type, outer.enter(0x30), "private");
    } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
      throw new InvalidInputException("the private key is not PKCS#8 DER");
    }
  }

  /** Checks that {@code der} is a SubjectPublicKeyInfo of {@code type}. */
  static void checkPublic(KeyPairType type, byte[] der) {
    try {
      Reader outer = new Reader(der, 0, der.length).enter(0x30);
      check(type, outer.enter(0x30), "public");
    } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
      throw new InvalidInputException("the public key is not X.509 SubjectPublicKeyInfo DER");
    }
  }

  private static void check(KeyPairType type, Reader algorithmId, String half) {
    byte[] algorithm = algorithmId.value(0x06);
    byte[] parameters = algorithmId.hasMore() && algorithmId.peek() == 0x06 ? algorithmId.value(0x06) : null;
    boolean matches = switch (type) {
      case EC_P256 -> Arrays.equals(algorithm, EC) && Arrays.equals(parameters, P256);
      case EC_P384 -> Arrays.equals(algorithm, EC) && Arrays.equals(parameters, P384);
      case ED25519 -> Arrays.equals(algorithm, ED25519);
      case RSA_3072, RSA_4096 -> Arrays.equals(algorithm, RSA);
      case ML_DSA_44 -> Arrays.equals(algorithm, ML_DSA_44);
      case ML_DSA_65 -> Arrays.equals(algorithm, ML_DSA_65);
      case ML_DSA_87 -> Arrays.equals(algorithm, ML_DSA_87);
      case ML_KEM_768 -> Arrays.equals(algorithm, ML_KEM_768);
      case ML_KEM_1024 -> Arrays.equals(algorithm, ML_KEM_1024);
    };
    if (!matches) {
      throw new InvalidInputException("the " + half + " key is not an " + label(type) + " key");
    }
  }

  /** A cursor over the contents of one DER constructed value. */
  private static final class Reader {
    private final byte[] der;
    private int pos;
    private final int end;

    Reader(byte[] der, int pos, int end) {
      this.der = der;
      this.pos = pos;
      this.end = end;
    }

    boolean hasMore() {
      return pos < end;
    }

    int peek() {
      return der[pos] & 0xff;
    }

    /** Steps into the value of the next element, which must have {@code tag}. */
    Reader enter(int tag) {
      int[] bounds = next(tag);
      return new Reader(der, bounds[0], bounds[1]);
    }

    void skip(int tag) {
      next(tag);
    }

    byte[] value(int tag) {
      int[] bounds = next(tag);
      return Arrays.copyOfRange(der, bounds[0], bounds[1]);
    }

    private int[] next(int tag) {
      if (pos >= end || (der[pos] & 0xff) != tag) {
        throw new IllegalArgumentException("unexpected tag");
      }
      pos++;
      int first = der[pos++] & 0xff;
      int length;
      if (first < 0x80) {
        length = first;
      } else {
        int n = first & 0x7f;
        if (n == 0 || n > 3) {
          throw new IllegalArgumentException("unsupported length");
        }
        length = 0;
        for (int i = 0; i < n; i++) {
          length = (length << 8) | (der[pos++] & 0xff);
        }
      }
      int start = pos;
      int stop = start + length;
      if (stop > end) {
        throw new IllegalArgumentException("truncated");
      }
      pos = stop;
      return new int[] {start, stop};
    }
  }
}
