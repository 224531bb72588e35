package io.custos.crypto;

import io.custos.failure.ControlViolationException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How many encryptions one AES-GCM key may still make.
 *
 * <p>Why: GCM with random 96-bit nonces is safe only while the chance of two encryptions under
 * one key drawing the same nonce stays negligible. NIST SP 800-38D §8.3 caps the number of
 * invocations with random IVs at 2<sup>32</sup> per key, which keeps that chance under
 * 2<sup>-32</sup>. Each key version therefore carries a counter; once the bound is reached the
 * key refuses to encrypt (SS-002 11.2.5: no further protection past its usage period) and must be
 * rotated. Decryption is not counted.
 *
 * <p>The count is only as durable as its owner makes it: the barrier keyring stores it with each
 * key version, so it survives a restart from the last time the keyring was written.
 */
public final class NonceBudget {
  /** NIST SP 800-38D §8.3: at most 2^32 random-IV encryptions per key. */
  public static final long SP800_38D_RANDOM_IV_BOUND = 1L << 32;

  private final long bound;
  private final AtomicLong used;

  private NonceBudget(long used, long bound) {
    if (bound < 1 || bound > SP800_38D_RANDOM_IV_BOUND) {
      throw new IllegalArgumentException("bound must be in 1..2^32, was " + bound);
    }
    if (used < 0) {
      throw new IllegalArgumentException("used must not be negative, was " + used);
    }
    this.bound = bound;
    this.used = new AtomicLong(used);
  }

  /** A fresh key's budget under the SP 800-38D bound. */
  public static NonceBudget fresh() {
    return new NonceBudget(0, SP800_38D_RANDOM_IV_BOUND);
  }

  /** A budget of which {@code used} encryptions are already spent, under {@code bound}. */
  public static NonceBudget resume(long used, long bound) {
    return new NonceBudget(used, bound);
  }

  /**
   * Takes one encryption from the budget.
   *
   * @throws ControlViolationException if the bound has been reached; nothing is spent then
   */
  public void spend() {
    long now;
    do {
      now = used.get();
      if (now >= bound) {
        throw new ControlViolationException("SS-002 11.2.5",
            "key has made its " + bound + " encryptions (NIST SP 800-38D 8.3); rotate it");
      }
    } while (!used.compareAndSet(now, now + 1));
  }

  public long used() {
    return used.get();
  }

  public long bound() {
    return bound;
  }

  public boolean exhausted() {
    return used.get() >= bound;
  }
}
