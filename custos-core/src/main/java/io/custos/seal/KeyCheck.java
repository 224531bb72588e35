package io.custos.seal;

import io.custos.crypto.SecretBytes;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The root key check value: HMAC-SHA-256(root, "custos-root-key-check"), computed at init and
 * stored, so that unseal can tell the right root key from a wrong combination of shares
 * without storing anything that reveals the key. HMAC is written out over {@link MessageDigest}
 * so that the padded key blocks can be zeroised afterwards (SS-002 11.3.7); {@code javax.crypto.Mac}
 * keeps its own copies out of reach.
 */
public final class KeyCheck {
  public static final int LENGTH = 32;
  private static final byte[] LABEL = "custos-root-key-check".getBytes(StandardCharsets.US_ASCII);
  private static final int BLOCK = 64;

  private KeyCheck() {}

  /** The check value of {@code root}, to be stored alongside the sealed configuration. */
  public static byte[] of(SecretBytes root) {
    return root.use(KeyCheck::compute);
  }

  /** Constant-time: does {@code candidate} have check value {@code expected}? */
  static boolean matches(byte[] candidate, byte[] expected) {
    byte[] actual = compute(candidate);
    return MessageDigest.isEqual(actual, expected);
  }

  static byte[] compute(byte[] key) {
    MessageDigest sha = sha256();
    byte[] block = new byte[BLOCK];
    byte[] pad = new byte[BLOCK];
    byte[] inner = null;
    try {
      if (key.length > BLOCK) {
        byte[] hashed = sha.digest(key);
        System.arraycopy(hashed, 0, block, 0, hashed.length);
        Arrays.fill(hashed, (byte) 0);
      } else {
        System.arraycopy(key, 0, block, 0, key.length);
      }
      for (int i = 0; i < BLOCK; i++) {
        pad[i] = (byte) (block[i] ^ 0x36);
      }
      sha.update(pad);
      sha.update(LABEL);
      inner = sha.digest();
      for (int i = 0; i < BLOCK; i++) {
        pad[i] = (byte) (block[i] ^ 0x5c);
      }
      sha.update(pad);
      sha.update(inner);
      return sha.digest();
    } finally {
      Arrays.fill(block, (byte) 0);
      Arrays.fill(pad, (byte) 0);
      if (inner != null) {
        Arrays.fill(inner, (byte) 0);
      }
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }
}
