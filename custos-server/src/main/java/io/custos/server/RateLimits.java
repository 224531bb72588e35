package io.custos.server;

/**
 * Request rate limits (SS-002 11.6.1: revocation resilient to denial of service).
 *
 * @param perAddress token bucket per client address (IPv6 clients per /64)
 * @param perPrincipal token bucket per authenticated principal
 * @param reserved per-address bucket of the revocation and seal routes, apart from the others
 * @param authFailures failed authentications from one address before it is made to wait
 * @param maxTracked most addresses (and principals) tracked at once; idle ones are forgotten first
 */
public record RateLimits(Rate perAddress, Rate perPrincipal, Rate reserved, int authFailures, int maxTracked) {

  /** {@code rate} requests a second, up to {@code burst} at once; {@link #OFF} means no limit. */
  public record Rate(double rate, int burst) {
    public static final Rate OFF = new Rate(Double.POSITIVE_INFINITY, Integer.MAX_VALUE);

    public Rate {
      if (!(rate > 0) || burst < 1) {
        throw new IllegalArgumentException("a rate limit needs a positive rate and a burst of at least 1");
      }
    }

    boolean off() {
      return Double.isInfinite(rate);
    }

    @Override
    public String toString() {
      return off() ? "off" : rate + "/s burst " + burst;
    }
  }

  public static final Rate DEFAULT_PER_ADDRESS = new Rate(200, 400);
  public static final Rate DEFAULT_PER_PRINCIPAL = new Rate(1000, 2000);
  public static final Rate DEFAULT_RESERVED = new Rate(20, 40);
  public static final int DEFAULT_AUTH_FAILURES = 5;
  public static final int DEFAULT_MAX_TRACKED = 100_000;

  public RateLimits {
    java.util.Objects.requireNonNull(perAddress, "perAddress");
    java.util.Objects.requireNonNull(perPrincipal, "perPrincipal");
    java.util.Objects.requireNonNull(reserved, "reserved");
    if (authFailures < 1 || maxTracked < 16) {
      throw new IllegalArgumentException("authFailures must be at least 1 and maxTracked at least 16");
    }
  }

  public static RateLimits defaults() {
    return new RateLimits(DEFAULT_PER_ADDRESS, DEFAULT_PER_PRINCIPAL, DEFAULT_RESERVED, DEFAULT_AUTH_FAILURES,
        DEFAULT_MAX_TRACKED);
  }

  public RateLimits withPerAddress(Rate r) {
    return new RateLimits(r, perPrincipal, reserved, authFailures, maxTracked);
  }

  public RateLimits withPerPrincipal(Rate r) {
    return new RateLimits(perAddress, r, reserved, authFailures, maxTracked);
  }
}
