package io.custos.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Token buckets, the bounded tables and the failed-authentication backoff, on a fake clock. */
class TokenBucketTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  @Test
  @DisplayName("a bucket lets a burst through, then one request per 1/rate, and says how long to wait")
  void burstThenRate() {
    long t = 1_000 * SECOND;
    TokenBucket b = new TokenBucket(10, 3, t);
    assertThat(b.take(t)).isZero();
    assertThat(b.take(t)).isZero();
    assertThat(b.take(t)).isZero();
    long wait = b.take(t);
    assertThat(wait).isEqualTo(100 * MS);
    assertThat(b.take(t + 50 * MS)).isEqualTo(50 * MS);
    assertThat(b.take(t + 100 * MS)).isZero();
    assertThat(b.take(t + 100 * MS)).isPositive();
  }

  @Test
  @DisplayName("SS-002 11.6.1 — a batch of n requests takes n tokens or none, and one larger than the burst never passes")
  void batchTakesAllOrNothing() {
    long t = 1_000 * SECOND;
    TokenBucket b = new TokenBucket(10, 5, t);
    assertThat(b.take(t, 4)).isZero();
    assertThat(b.take(t, 2)).isEqualTo(100 * MS); // one token left: none taken, one more needed
    assertThat(b.take(t, 1)).isZero();
    assertThat(b.take(t + 500 * MS, 5)).isZero();
    assertThat(b.take(t + 500 * MS, 6)).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  @DisplayName("a bucket refills only up to its burst, however long it was idle")
  void refillCapped() {
    TokenBucket b = new TokenBucket(1, 2, 0);
    b.take(0);
    b.take(0);
    assertThat(b.full(0)).isFalse();
    long later = 3600 * SECOND;
    assertThat(b.full(later)).isTrue();
    assertThat(b.take(later)).isZero();
    assertThat(b.take(later)).isZero();
    assertThat(b.take(later)).isEqualTo(SECOND);
  }

  @Test
  @DisplayName("a clock going backwards neither adds nor removes tokens")
  void clockBackwards() {
    TokenBucket b = new TokenBucket(1, 1, 10 * SECOND);
    assertThat(b.take(10 * SECOND)).isZero();
    assertThat(b.take(5 * SECOND)).isPositive();
    assertThat(b.take(11 * SECOND)).isZero();
  }

  @Test
  @DisplayName("buckets are kept per key: one client's flood leaves another's bucket full")
  void perKey() {
    Throttle.Buckets buckets = new Throttle.Buckets(new RateLimits.Rate(1, 2), 1000, 0);
    assertThat(buckets.take("10.0.0.1", 0)).isZero();
    assertThat(buckets.take("10.0.0.1", 0)).isZero();
    assertThat(buckets.take("10.0.0.1", 0)).isPositive();
    assertThat(buckets.take("10.0.0.2", 0)).isZero();
  }

  @Test
  @DisplayName("a flood of distinct addresses cannot grow the table past its cap; idle buckets are forgotten")
  void bounded() {
    int cap = 100;
    Throttle.Buckets buckets = new Throttle.Buckets(new RateLimits.Rate(1, 1), cap, 0);
    for (int i = 0; i < 10_000; i++) {
      buckets.take("spoofed-" + i, 0);
    }
    assertThat(buckets.size()).isLessThanOrEqualTo(cap);
    // Newcomers share the overflow bucket while the table is full of busy buckets …
    assertThat(buckets.take("newcomer", 0)).isPositive();
    // … and once the busy ones have refilled they are swept away, so newcomers get their own again.
    long later = 10 * SECOND;
    assertThat(buckets.take("newcomer", later)).isZero();
    assertThat(buckets.size()).isLessThanOrEqualTo(cap / 2 + 1);
  }

  @Test
  @DisplayName("an unlimited rate never refuses and keeps no state")
  void off() {
    Throttle.Buckets buckets = new Throttle.Buckets(RateLimits.Rate.OFF, 100, 0);
    for (int i = 0; i < 1000; i++) {
      assertThat(buckets.take("a", 0)).isZero();
    }
    assertThat(buckets.size()).isZero();
  }

  @Test
  @DisplayName("failed authentications: after 5 the address waits 1 s, then 2, 4 … up to 60 s; success resets")
  void backoff() {
    Throttle.Failures f = new Throttle.Failures(5, 1000);
    long t = 0;
    for (int i = 0; i < 4; i++) {
      f.failed("a", t);
      assertThat(f.blocked("a", t)).isZero();
    }
    f.failed("a", t);
    assertThat(f.blocked("a", t)).isEqualTo(SECOND);
    assertThat(f.blocked("b", t)).isZero();
    // A request that was already in flight fails too: the wait does not grow from it.
    f.failed("a", t + 10 * MS);
    assertThat(f.blocked("a", t + 10 * MS)).isEqualTo(990 * MS);
    long expected = 2 * SECOND;
    t += SECOND;
    for (int i = 0; i < 8; i++) {
      assertThat(f.blocked("a", t)).isZero();
      f.failed("a", t);
      assertThat(f.blocked("a", t)).isEqualTo(Math.min(expected, 60 * SECOND));
      t += Math.min(expected, 60 * SECOND);
      expected *= 2;
    }
    f.succeeded("a");
    assertThat(f.blocked("a", t)).isZero();
    for (int i = 0; i < 4; i++) {
      f.failed("a", t);
    }
    assertThat(f.blocked("a", t)).isZero();
  }

  @Test
  @DisplayName("failures long past are forgotten")
  void forgotten() {
    Throttle.Failures f = new Throttle.Failures(5, 1000);
    for (int i = 0; i < 4; i++) {
      f.failed("a", 0);
    }
    long later = Throttle.FORGET_FAILURES + SECOND;
    f.failed("a", later);
    assertThat(f.blocked("a", later)).isZero();
  }

  @Test
  @DisplayName("the failure table is bounded too")
  void failuresBounded() {
    Throttle.Failures f = new Throttle.Failures(5, 50);
    for (int i = 0; i < 5000; i++) {
      f.failed("spoofed-" + i, 0);
    }
    assertThat(f.size()).isLessThanOrEqualTo(50);
  }

  @Test
  @DisplayName("IPv6 clients are limited by their /64; IPv4 by the address")
  void addressKeys() {
    assertThat(Throttle.addressKey("192.0.2.7")).isEqualTo("192.0.2.7");
    assertThat(Throttle.addressKey("2001:db8:1:2:aaaa::1")).isEqualTo(Throttle.addressKey("2001:db8:1:2:bbbb::9"));
    assertThat(Throttle.addressKey("2001:db8:1:2::1")).isNotEqualTo(Throttle.addressKey("2001:db8:1:3::1"));
    assertThat(Throttle.addressKey("[::1]")).endsWith("/64");
  }

  @Test
  @DisplayName("revocation and sealing are the reserved routes")
  void reservedRoutes() {
    assertThat(Throttle.reserved("POST", "/v1/access/revoke")).isTrue();
    assertThat(Throttle.reserved("POST", "/v1/access/tokens/revoke/")).isTrue();
    assertThat(Throttle.reserved("PUT", "/v1/sys/seal")).isTrue();
    assertThat(Throttle.reserved("GET", "/v1/sys/seal")).isFalse();
    assertThat(Throttle.reserved("PUT", "/v1/sys/unseal")).isFalse();
  }
}
