package io.custos.server;

/** A request over a rate limit: answered 429 with {@code Retry-After}, before any work is done. */
final class TooManyRequests extends RuntimeException {
  private final long retryAfterSeconds;

  TooManyRequests(String detail, long waitNanos) {
    super(detail, null, false, false);
    this.retryAfterSeconds = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
  }

  long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
