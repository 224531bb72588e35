package io.custos.seal;

import io.custos.crypto.SecretBytes;
import io.custos.failure.InvalidInputException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The unseal ceremony: custodians submit shares one at a time until the threshold is reached,
 * then the root key is reconstructed and checked against the key check value stored at init
 * ({@link KeyCheck}). A duplicate or foreign share is refused without disturbing the progress;
 * a combination that does not give the right key is reported and the progress starts again.
 * Share values are copied in and every copy is zeroised as soon as it is no longer needed
 * (SS-002 11.3.7). Safe for concurrent submissions.
 */
public final class UnsealProgress {
  /** What a submission achieved; the caller must switch over it. */
  public sealed interface Step permits Pending, Unsealed {}

  /** More shares are needed: {@code submitted} of {@code threshold} are in. */
  public record Pending(int submitted, int threshold) implements Step {}

  /** The threshold was reached and the key verified; the caller owns and closes {@code rootKey}. */
  public record Unsealed(SecretBytes rootKey) implements Step {
    public Unsealed {
      Objects.requireNonNull(rootKey, "rootKey");
    }
  }

  private final byte[] keyCheck;
  private final int[] xs = new int[Shamir.MAX_SHARES];
  private final byte[][] ys = new byte[Shamir.MAX_SHARES][];
  private int count;
  private long setId;
  private int threshold;

  /** {@code keyCheck} is the stored {@link KeyCheck#of} value of the root key. */
  public UnsealProgress(byte[] keyCheck) {
    Objects.requireNonNull(keyCheck, "keyCheck");
    if (keyCheck.length != KeyCheck.LENGTH) {
      throw new InvalidInputException(
          "key check value must be " + KeyCheck.LENGTH + " bytes, got " + keyCheck.length);
    }
    this.keyCheck = keyCheck.clone();
  }

  /**
   * Adds one share. The share stays the caller's to close; its value is copied.
   *
   * @throws InvalidInputException for a duplicate or foreign share (progress unchanged), or when
   *     the threshold is reached but the shares do not give the root key (progress reset)
   */
  public synchronized Step submit(UnsealShare share) {
    Objects.requireNonNull(share, "share");
    if (count > 0) {
      if (share.setId() != setId) {
        throw new InvalidInputException("share belongs to a different split (set "
            + share.setIdHex() + ", this unseal is for set " + HexFormat.of().toHexDigits(setId)
            + "); progress unchanged, " + progress());
      }
      if (share.threshold() != threshold) {
        throw new InvalidInputException("share says threshold " + share.threshold()
            + " but the shares already submitted say " + threshold + "; progress unchanged, "
            + progress());
      }
      for (int i = 0; i < count; i++) {
        if (xs[i] == share.x()) {
          throw new InvalidInputException("share " + share.x()
              + " has already been submitted; progress unchanged, " + progress());
        }
      }
    } else {
      setId = share.setId();
      threshold = share.threshold();
    }
    xs[count] = share.x();
    ys[count] = share.value().use(byte[]::clone);
    count++;
    if (count < threshold) {
      return new Pending(count, threshold);
    }
    int needed = threshold;
    byte[] candidate = null;
    try {
      candidate = Shamir.combine(Arrays.copyOf(xs, count), Arrays.copyOf(ys, count));
      if (!KeyCheck.matches(candidate, keyCheck)) {
        throw new InvalidInputException("the " + needed + " shares submitted do not give the root"
            + " key (key check mismatch): one is from another split or was altered; progress"
            + " has been reset, submit " + needed + " shares again");
      }
      Unsealed done = new Unsealed(SecretBytes.adopt(candidate));
      candidate = null; // now owned by the result
      return done;
    } finally {
      if (candidate != null) {
        Arrays.fill(candidate, (byte) 0);
      }
      reset();
    }
  }

  /** Shares submitted so far (0 after a reset or a completed unseal). */
  public synchronized int submitted() {
    return count;
  }

  /** Forgets and zeroises every share submitted so far. */
  public synchronized void reset() {
    for (int i = 0; i < ys.length; i++) {
      if (ys[i] != null) {
        Arrays.fill(ys[i], (byte) 0);
        ys[i] = null;
      }
    }
    Arrays.fill(xs, 0);
    count = 0;
    setId = 0;
    threshold = 0;
  }

  private String progress() {
    return count + " of " + threshold + " shares in";
  }
}
