package io.custos.seal;

import io.custos.crypto.SecretBytes;
import io.custos.failure.InvalidInputException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Splits the root key into unseal shares for the custodians at {@code operator init}: any
 * {@code threshold} of them reconstruct it, fewer reveal nothing about it, so no single person
 * holds the key (SS-002 11.3.1: use of the root only as an authorised, witnessed function).
 */
public final class ShareSplitter {
  public static final int ROOT_KEY_LENGTH = 32;
  public static final int MAX_SHARES = Shamir.MAX_SHARES;

  private ShareSplitter() {}

  /**
   * Returns {@code shares} shares of {@code root} (x = 1..shares, one fresh random set id),
   * with 2 &lt;= threshold &lt;= shares &lt;= 16; threshold 1 only when {@code dev} is set.
   * The caller owns the shares and should {@link UnsealShare#close() close} them once handed out.
   */
  public static List<UnsealShare> split(
      SecretBytes root, int shares, int threshold, boolean dev, SecureRandom random) {
    Objects.requireNonNull(root, "root");
    Objects.requireNonNull(random, "random");
    if (root.length() != ROOT_KEY_LENGTH) {
      throw new InvalidInputException("root key must be " + ROOT_KEY_LENGTH + " bytes (256 bits),"
          + " got " + root.length());
    }
    if (threshold < 2 && !(dev && threshold == 1)) {
      throw new InvalidInputException(
          "threshold must be at least 2 (1 only in dev mode), got " + threshold);
    }
    if (shares > MAX_SHARES) {
      throw new InvalidInputException(
          "number of shares must be at most " + MAX_SHARES + ", got " + shares);
    }
    if (threshold > shares) {
      throw new InvalidInputException("threshold must not exceed the number of shares"
          + " (threshold " + threshold + ", shares " + shares + ")");
    }
    long setId = random.nextLong();
    byte[][] ys = root.use(secret -> Shamir.split(secret, shares, threshold, random));
    List<UnsealShare> result = new ArrayList<>(shares);
    for (int i = 0; i < shares; i++) {
      result.add(new UnsealShare(setId, threshold, i + 1, SecretBytes.adopt(ys[i])));
    }
    return List.copyOf(result);
  }
}
