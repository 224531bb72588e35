package io.custos.audit;

import io.custos.failure.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The checkpoint public key in its interchange forms: raw 32 bytes (RFC 8032), X.509
 * SubjectPublicKeyInfo in PEM ({@code -----BEGIN PUBLIC KEY-----}, as OpenSSL writes it), and the
 * C2SP signed-note key ID. Also the key-name rules of c2sp.org/signed-note.
 */
public final class CheckpointKeys {
  /** Bytes in a raw Ed25519 public key. */
  public static final int PUBLIC_KEY_BYTES = 32;

  // DER of SubjectPublicKeyInfo{ AlgorithmIdentifier{ 1.3.101.112 (Ed25519) }, BIT STRING(32) }.
  private static final byte[] SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
  private static final byte ED25519_TYPE = 0x01;
  private static final String BEGIN = "-----BEGIN PUBLIC KEY-----";
  private static final String END = "-----END PUBLIC KEY-----";

  private CheckpointKeys() {}

  /** The raw 32-byte key inside an Ed25519 {@code PublicKey}. */
  public static byte[] rawPublicKey(PublicKey key) {
    Objects.requireNonNull(key, "key");
    return fromSpki(key.getEncoded());
  }

  /** A JDK {@code PublicKey} for a raw 32-byte Ed25519 key. */
  public static PublicKey publicKey(byte[] raw) {
    requireRaw(raw);
    try {
      return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(toSpki(raw)));
    } catch (GeneralSecurityException e) {
      throw new InvalidInputException("not an Ed25519 public key: " + e.getMessage(), e);
    }
  }

  /** The key as PEM: {@code -----BEGIN PUBLIC KEY-----}, base64 of the SPKI, end line. */
  public static String toPem(byte[] raw) {
    requireRaw(raw);
    return BEGIN + "\n" + Base64.getEncoder().encodeToString(toSpki(raw)) + "\n" + END + "\n";
  }

  /** Reads a PEM public key written by {@link #toPem} or OpenSSL; answers the raw 32 bytes. */
  public static byte[] fromPem(String pem) {
    Objects.requireNonNull(pem, "pem");
    String text = pem.strip();
    if (text.length() > 1024 || !text.startsWith(BEGIN) || !text.endsWith(END)) {
      throw new InvalidInputException("not a PEM public key: expected '" + BEGIN + "' ... '"
          + END + "'");
    }
    String body = text.substring(BEGIN.length(), text.length() - END.length())
        .replace("\r", "").replace("\n", "");
    byte[] der;
    try {
      der = Base64.getDecoder().decode(body);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("PEM public key: body is not base64: " + e.getMessage(), e);
    }
    return fromSpki(der);
  }

  /**
   * The C2SP signed-note key ID: the first four bytes, big-endian, of
   * {@code SHA-256(keyName || 0x0A || 0x01 || rawPublicKey)}.
   */
  public static int keyId(String keyName, byte[] raw) {
    checkKeyName(keyName);
    requireRaw(raw);
    MessageDigest md = MerkleTree.sha256();
    md.update(keyName.getBytes(StandardCharsets.UTF_8));
    md.update((byte) 0x0A);
    md.update(ED25519_TYPE);
    byte[] h = md.digest(raw);
    return (h[0] & 0xFF) << 24 | (h[1] & 0xFF) << 16 | (h[2] & 0xFF) << 8 | (h[3] & 0xFF);
  }

  /**
   * The key in the verifier-key form of Go's {@code golang.org/x/mod/sumdb/note} and the
   * transparency-dev tools: {@code <name>+<hex key ID>+<base64(0x01 || key)>}.
   */
  public static String verifierKey(String keyName, byte[] raw) {
    byte[] typed = new byte[1 + PUBLIC_KEY_BYTES];
    typed[0] = ED25519_TYPE;
    System.arraycopy(requireRaw(raw), 0, typed, 1, PUBLIC_KEY_BYTES);
    return keyName + "+" + String.format("%08x", keyId(keyName, raw)) + "+"
        + Base64.getEncoder().encodeToString(typed);
  }

  /**
   * Checks a key name (or log origin) against c2sp.org/signed-note: non-empty, no Unicode
   * spaces, no '+'. Control characters are refused too, and the length is bounded.
   */
  public static String checkKeyName(String name) {
    Objects.requireNonNull(name, "key name");
    if (name.isEmpty() || name.length() > 256) {
      throw new InvalidInputException("key name must be 1 to 256 characters");
    }
    Text.text("key name", name, 256);
    int bad = name.codePoints()
        .filter(c -> c == '+' || Character.isWhitespace(c) || Character.isSpaceChar(c)
            || Character.isISOControl(c))
        .findFirst().orElse(-1);
    if (bad >= 0) {
      throw new InvalidInputException("key name '" + name.replaceAll("\\p{Cntrl}", "?")
          + "' contains " + Text.codePoint(bad)
          + "; spaces, '+' and control characters are not allowed");
    }
    return name;
  }

  /** Whether {@code signature} is a valid Ed25519 signature of {@code message} by {@code raw}. */
  static boolean verify(byte[] raw, byte[] message, byte[] signature) {
    try {
      Signature v = Signature.getInstance("Ed25519");
      v.initVerify(publicKey(raw));
      v.update(message);
      return v.verify(signature);
    } catch (GeneralSecurityException | InvalidInputException e) {
      return false;
    }
  }

  /** The raw 32 bytes of an Ed25519 SubjectPublicKeyInfo (DER). */
  public static byte[] rawFromSpki(byte[] der) {
    return fromSpki(der);
  }

  private static byte[] toSpki(byte[] raw) {
    byte[] spki = Arrays.copyOf(SPKI_PREFIX, SPKI_PREFIX.length + PUBLIC_KEY_BYTES);
    System.arraycopy(raw, 0, spki, SPKI_PREFIX.length, PUBLIC_KEY_BYTES);
    return spki;
  }

  private static byte[] fromSpki(byte[] der) {
    if (der == null || der.length != SPKI_PREFIX.length + PUBLIC_KEY_BYTES
        || !Arrays.equals(der, 0, SPKI_PREFIX.length, SPKI_PREFIX, 0, SPKI_PREFIX.length)) {
      throw new InvalidInputException("not an Ed25519 public key (SubjectPublicKeyInfo must be "
          + "302a300506032b6570032100 followed by 32 key bytes)");
    }
    return Arrays.copyOfRange(der, SPKI_PREFIX.length, der.length);
  }

  private static byte[] requireRaw(byte[] raw) {
    if (raw == null || raw.length != PUBLIC_KEY_BYTES) {
      throw new InvalidInputException("an Ed25519 public key is " + PUBLIC_KEY_BYTES + " bytes");
    }
    return raw;
  }
}
