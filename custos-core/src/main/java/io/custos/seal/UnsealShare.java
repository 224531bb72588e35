package io.custos.seal;

import io.custos.crypto.SecretBytes;
import io.custos.failure.InvalidInputException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One custodian's share of the root key. Its text form, {@link #text()}, is what the custodian
 * keeps and pastes at unseal:
 *
 * <pre>custos-share-v1:&lt;base64url, no padding, of 47 bytes&gt;
 *   version (1 byte, = 1) | set id (8) | threshold (1) | x (1) | share value (32) | check (4)</pre>
 *
 * where check is the first 4 bytes of SHA-256 over the 43 bytes before it, so a mistyped share
 * is refused rather than combined. The set id names the split made at {@code operator init}.
 * The share value is secret: it is held in {@link SecretBytes}, never appears in
 * {@link #toString()} or in error messages, and is wiped by {@link #close()}.
 */
public record UnsealShare(long setId, int threshold, int x, SecretBytes value)
    implements AutoCloseable {
  public static final String PREFIX = "custos-share-v1:";
  static final int VERSION = 1;
  static final int VALUE_LENGTH = 32;
  private static final int CHECK_LENGTH = 4;
  private static final int BODY_LENGTH = 1 + 8 + 1 + 1 + VALUE_LENGTH; // 43
  private static final int ENCODED_LENGTH = BODY_LENGTH + CHECK_LENGTH; // 47
  private static final int TEXT_LENGTH = (ENCODED_LENGTH * 8 + 5) / 6; // 63
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

  public UnsealShare {
    if (threshold < 1 || threshold > Shamir.MAX_SHARES) {
      throw new InvalidInputException(
          "share threshold must be between 1 and " + Shamir.MAX_SHARES + ", got " + threshold);
    }
    if (x < 1 || x > Shamir.MAX_SHARES) {
      throw new InvalidInputException(
          "share number must be between 1 and " + Shamir.MAX_SHARES + ", got " + x);
    }
    Objects.requireNonNull(value, "value");
    if (value.length() != VALUE_LENGTH) {
      throw new InvalidInputException(
          "share value must be " + VALUE_LENGTH + " bytes, got " + value.length());
    }
  }

  /** The set id as 16 hex digits, as shown to custodians. */
  public String setIdHex() {
    return HexFormat.of().toHexDigits(setId);
  }

  /** The text to hand to this share's custodian. It contains the secret share value. */
  public String text() {
    byte[] encoded = encode();
    try {
      return PREFIX + ENCODER.encodeToString(encoded);
    } finally {
      Arrays.fill(encoded, (byte) 0);
    }
  }

  /**
   * {@link #text()} as US-ASCII bytes, made without an intermediate string so that the caller
   * can wipe it (for encrypting the share to its custodian).
   */
  public byte[] textBytes() {
    byte[] encoded = encode();
    byte[] body = ENCODER.encode(encoded);
    try {
      byte[] out = new byte[PREFIX.length() + body.length];
      System.arraycopy(PREFIX.getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, out, 0, PREFIX.length());
      System.arraycopy(body, 0, out, PREFIX.length(), body.length);
      return out;
    } finally {
      Arrays.fill(encoded, (byte) 0);
      Arrays.fill(body, (byte) 0);
    }
  }

  private byte[] encode() {
    byte[] encoded = new byte[ENCODED_LENGTH];
    ByteBuffer buffer = ByteBuffer.wrap(encoded);
    buffer.put((byte) VERSION).putLong(setId).put((byte) threshold).put((byte) x);
    value.use(v -> buffer.put(v));
    byte[] check = checksum(encoded);
    buffer.put(check);
    return encoded;
  }

  /**
   * Reads a share from its text form (surrounding white space is ignored). Refuses anything
   * malformed, truncated, of another version or failing its check, with a message that says
   * which and never repeats the share.
   */
  public static UnsealShare parse(String text) {
    if (text == null || text.isBlank()) {
      throw new InvalidInputException("share text is empty");
    }
    String s = text.strip();
    if (!s.startsWith(PREFIX)) {
      if (s.startsWith(io.custos.crypto.CustodianEnvelope.PREFIX)) {
        throw new InvalidInputException("this share is encrypted to a custodian key: decrypt it first"
            + " (custos operator unseal --custodian-key FILE)");
      }
      if (s.startsWith("custos-share-v")) {
        throw new InvalidInputException(
            "unsupported share format version: this build reads '" + PREFIX + "' shares");
      }
      throw new InvalidInputException("not an unseal share: it must start with '" + PREFIX + "'");
    }
    String body = s.substring(PREFIX.length());
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
          || c == '-' || c == '_';
      if (!ok) {
        throw new InvalidInputException("share text has a character that is not base64url at"
            + " position " + (PREFIX.length() + i + 1));
      }
    }
    if (body.length() != TEXT_LENGTH) {
      throw new InvalidInputException((body.length() < TEXT_LENGTH ? "share text is truncated"
          : "share text is too long") + ": expected " + TEXT_LENGTH
          + " characters after the prefix, got " + body.length());
    }
    byte[] encoded = Base64.getUrlDecoder().decode(body);
    try {
      // The last character carries 2 unused bits; a change there alone would decode to the
      // same bytes, so only the canonical spelling is accepted.
      if (!ENCODER.encodeToString(encoded).equals(body)) {
        throw new InvalidInputException(
            "share check failed: the last character is not valid; the share was mistyped");
      }
      byte[] check = checksum(encoded);
      if (!MessageDigest.isEqual(check,
          Arrays.copyOfRange(encoded, BODY_LENGTH, ENCODED_LENGTH))) {
        throw new InvalidInputException(
            "share check failed: the share was mistyped or altered (checksum mismatch)");
      }
      ByteBuffer buffer = ByteBuffer.wrap(encoded);
      int version = buffer.get() & 0xFF;
      if (version != VERSION) {
        throw new InvalidInputException(
            "unsupported share version " + version + ": this build reads version " + VERSION);
      }
      long setId = buffer.getLong();
      int threshold = buffer.get() & 0xFF;
      int x = buffer.get() & 0xFF;
      SecretBytes value =
          SecretBytes.adopt(Arrays.copyOfRange(encoded, buffer.position(), BODY_LENGTH));
      try {
        return new UnsealShare(setId, threshold, x, value);
      } catch (RuntimeException e) {
        value.close();
        throw e;
      }
    } finally {
      Arrays.fill(encoded, (byte) 0);
    }
  }

  private static byte[] checksum(byte[] encoded) {
    MessageDigest sha = KeyCheck.sha256();
    sha.update(encoded, 0, BODY_LENGTH);
    return Arrays.copyOf(sha.digest(), CHECK_LENGTH);
  }

  /** Wipes the share value. */
  @Override
  public void close() {
    value.close();
  }

  @Override
  public String toString() {
    return "UnsealShare[set " + setIdHex() + ", share " + x + ", threshold " + threshold + "]";
  }
}
