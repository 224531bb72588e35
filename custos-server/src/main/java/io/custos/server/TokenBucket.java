package io.custos.server;

/**
 * A token bucket: holds up to {@code burst} tokens, refilled at {@code rate} tokens a second;
 * each request takes one. Time is passed in (nanoseconds from any fixed origin), so tests drive
 * it with a fake clock.
 */
final class TokenBucket {
  private final double ratePerNano;
  private final double burst;
  private double tokens;
  private long last;

  TokenBucket(double ratePerSecond, int burst, long now) {
    if (!(ratePerSecond > 0) || burst < 1) {
      throw new IllegalArgumentException("rate must be positive and burst at least 1");
    }
    this.ratePerNano = ratePerSecond / 1e9;
    this.burst = burst;
    this.tokens = burst;
    this.last = now;
  }

  /** Takes a token: 0 if one was there, otherwise the nanoseconds until one will be. */
  synchronized long take(long now) {
    return take(now, 1);
  }

  /**
   * Takes {@code n} tokens at once (a batch of {@code n} requests), or none: 0 if they were there,
   * otherwise the nanoseconds until they will be; {@link Long#MAX_VALUE} if {@code n} is more than
   * the bucket ever holds.
   */
  synchronized long take(long now, int n) {
    refill(now);
    if (n > burst) {
      return Long.MAX_VALUE;
    }
    if (tokens >= n) {
      tokens -= n;
      return 0;
    }
    return Math.max(1, (long) Math.ceil((n - tokens) / ratePerNano));
  }

  /** Whether the bucket has refilled to the brim by {@code now}: it is then as good as a new one. */
  synchronized boolean full(long now) {
    refill(now);
    return tokens >= burst;
  }

  private void refill(long now) {
    long elapsed = now - last;
    if (elapsed > 0) {
      tokens = Math.min(burst, tokens + elapsed * ratePerNano);
      last = now;
    }
  }
}
