package io.custos.access;

import io.custos.crypto.Mac;
import io.custos.crypto.MacAlgorithm;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP): 30-second steps from the Unix
 * epoch, dynamic truncation, 6 digits, accepted one step either side of now for clock drift.
 * The HMAC comes from the validated module.
 *
 * <p>SHA-1 is the default because it is what authenticator apps compute (most ignore the
 * {@code algorithm} parameter of the otpauth URI); HMAC-SHA-1 remains approved for HMAC under
 * NIST SP 800-131A Rev. 2. SHA-256 is offered for apps that support it.
 */
public final class Totp {
  public static final int DIGITS = 6;
  public static final long STEP_SECONDS = 30;
  /** Steps accepted either side of the current one. */
  public static final int WINDOW = 1;

  /** The HMAC behind the codes, with its secret length (the hash's output length). */
  public enum Algorithm {
    SHA1(MacAlgorithm.HMAC_SHA1),
    SHA256(MacAlgorithm.HMAC_SHA256);

    private final MacAlgorithm mac;

    Algorithm(MacAlgorithm mac) {
      this.mac = mac;
    }

    public MacAlgorithm mac() {
      return mac;
    }

    public int secretBytes() {
      return mac.keyBytes();
    }

    public static Algorithm parse(String text) {
      String t = text == null ? "" : text.toUpperCase(Locale.ROOT).replace("-", "");
      return switch (t) {
        case "SHA1", "" -> SHA1;
        case "SHA256" -> SHA256;
        default -> throw new io.custos.failure.InvalidInputException(
            "TOTP algorithm must be SHA1 (what authenticator apps use) or SHA256, got '" + text + "'");
      };
    }
  }

  private Totp() {}

  /** The time step that {@code t} falls in. */
  public static long step(Instant t) {
    return Math.floorDiv(t.getEpochSecond(), STEP_SECONDS);
  }

  /** The HOTP value of {@code step} with {@code digits} digits (RFC 4226 section 5.3). */
  public static String code(Mac mac, long step, int digits) {
    byte[] h = mac.tag(ByteBuffer.allocate(8).putLong(step).array());
    int offset = h[h.length - 1] & 0x0f;
    int binary = ((h[offset] & 0x7f) << 24) | ((h[offset + 1] & 0xff) << 16) | ((h[offset + 2] & 0xff) << 8)
        | (h[offset + 3] & 0xff);
    long mod = 1;
    for (int i = 0; i < digits; i++) {
      mod *= 10;
    }
    String s = Long.toString(binary % mod);
    return "0".repeat(digits - s.length()) + s;
  }

  /**
   * The step, within {@link #WINDOW} of now's and later than {@code usedUpTo}, whose code is
   * {@code code}; empty if there is none — a code of a step already used is refused (replay).
   * Every candidate is computed and compared in constant time.
   */
  public static OptionalLong match(Mac mac, String code, Instant now, long usedUpTo) {
    if (code == null || code.length() != DIGITS || !code.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return OptionalLong.empty();
    }
    long current = step(now);
    long found = Long.MIN_VALUE;
    byte[] given = code.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    for (long s = current - WINDOW; s <= current + WINDOW; s++) {
      byte[] expected = code(mac, s, DIGITS).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      if (java.security.MessageDigest.isEqual(expected, given) & s > usedUpTo) {
        found = s;
      }
    }
    return found == Long.MIN_VALUE ? OptionalLong.empty() : OptionalLong.of(found);
  }

  /** RFC 4648 base32, upper case, without padding: how authenticator apps take secrets. */
  public static String base32(byte[] bytes) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    StringBuilder b = new StringBuilder((bytes.length * 8 + 4) / 5);
    int buffer = 0;
    int bits = 0;
    for (byte x : bytes) {
      buffer = (buffer << 8) | (x & 0xff);
      bits += 8;
      while (bits >= 5) {
        b.append(alphabet.charAt((buffer >>> (bits - 5)) & 31));
        bits -= 5;
      }
    }
    if (bits > 0) {
      b.append(alphabet.charAt((buffer << (5 - bits)) & 31));
    }
    return b.toString();
  }
}
