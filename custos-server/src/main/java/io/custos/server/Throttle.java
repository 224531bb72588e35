package io.custos.server;

import io.javalin.http.Context;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rate limits applied before any work is done (SS-002 11.6.1): a token bucket per client
 * address, checked first thing in the request; a bucket per principal, checked where the caller
 * is first established; and a backoff on failed authentications per address, checked before a
 * presented token is even looked up. Revocation and sealing have their own per-address bucket,
 * so a flood of other requests never starves them. Every table is bounded: idle entries are
 * forgotten, and when the table is full of busy ones newcomers share one overflow bucket.
 */
final class Throttle {
  private static final Logger LOG = LoggerFactory.getLogger(Throttle.class);
  static final String ATTR = "custos.throttle";
  private static final String ADDRESS_ATTR = "custos.throttle.address";
  private static final String RESERVED_ATTR = "custos.throttle.reserved";
  /** Routes that must stay reachable under a flood: revocation and sealing. */
  static final Set<String> RESERVED_ROUTES = Set.of(
      "POST /v1/access/revoke", "POST /v1/access/tokens/revoke", "PUT /v1/sys/seal");
  /** Query parameters that would put a credential into a URL, where logs and proxies keep it. */
  private static final Set<String> CREDENTIAL_PARAMS = Set.of("token", "access_token", "x-custos-token",
      "authorization", "client_token");

  static final long FIRST_BACKOFF = TimeUnit.SECONDS.toNanos(1);
  static final long MAX_BACKOFF = TimeUnit.SECONDS.toNanos(60);
  /** Failures this long ago no longer count. */
  static final long FORGET_FAILURES = TimeUnit.MINUTES.toNanos(10);
  private static final long SWEEP_EVERY = TimeUnit.SECONDS.toNanos(1);
  private static final long REPORT_EVERY = TimeUnit.SECONDS.toNanos(10);

  private final RateLimits limits;
  private final LongSupplier clock;
  private final Buckets addresses;
  private final Buckets reserved;
  private final Buckets principals;
  private final Failures failures;
  private final Metrics.Counter refused;
  private final AtomicLong refusedSinceReport = new AtomicLong();
  private final AtomicLong nextReport;

  Throttle(RateLimits limits, LongSupplier nanoClock, Metrics metrics) {
    this.limits = limits;
    this.clock = nanoClock;
    long now = nanoClock.getAsLong();
    this.addresses = new Buckets(limits.perAddress(), limits.maxTracked(), now);
    this.reserved = new Buckets(limits.reserved(), limits.maxTracked(), now);
    this.principals = new Buckets(limits.perPrincipal(), limits.maxTracked(), now);
    this.failures = new Failures(limits.authFailures(), limits.maxTracked());
    this.refused = metrics.counter("custos_http_throttled_total",
        "Requests refused with 429 before any work, by limit", "limit");
    this.nextReport = new AtomicLong(now);
  }

  static Throttle of(Context ctx) {
    return ctx.attribute(ATTR);
  }

  /**
   * First thing for every request: the address bucket (or the reserved one), then, if the
   * request carries credentials, the address's failed-authentication backoff.
   */
  void before(Context ctx) {
    ctx.attribute(ATTR, this);
    String address = addressKey(ctx.ip());
    ctx.attribute(ADDRESS_ATTR, address);
    boolean isReserved = reserved(ctx.method().name(), ctx.path());
    ctx.attribute(RESERVED_ATTR, isReserved);
    long now = clock.getAsLong();
    long wait = (isReserved ? reserved : addresses).take(address, now);
    if (wait > 0) {
      throw refuse(isReserved ? "reserved" : "address", "too many requests from this address", wait, now);
    }
    String query = ctx.req().getQueryString();
    if (query != null && credentialInQuery(query)) {
      throw new io.custos.failure.InvalidInputException(
          "credentials are accepted only in the Authorization or X-Custos-Token header, never in the URL");
    }
    if (!isReserved && Authentication.presented(ctx)) {
      beforeAuthentication(ctx);
    }
  }

  /** Before a presented token or certificate is looked up: refused while the address backs off. */
  void beforeAuthentication(Context ctx) {
    if (Boolean.TRUE.equals(ctx.attribute(RESERVED_ATTR))) {
      return;
    }
    long now = clock.getAsLong();
    long wait = failures.blocked(address(ctx), now);
    if (wait > 0) {
      throw refuse("auth_backoff", "too many failed authentications from this address", wait, now);
    }
  }

  /** Presented credentials were refused (the 401 the caller is about to get). */
  void authenticationFailed(Context ctx) {
    failures.failed(address(ctx), clock.getAsLong());
  }

  /** Presented credentials authenticated {@code principalId}: the backoff resets, the principal's bucket is charged. */
  void authenticated(Context ctx, String principalId) {
    String address = address(ctx);
    failures.succeeded(address);
    if (Boolean.TRUE.equals(ctx.attribute(RESERVED_ATTR))) {
      return;
    }
    long now = clock.getAsLong();
    long wait = principals.take(principalId, now);
    if (wait > 0) {
      throw refuse("principal", "too many requests from this principal", wait, now);
    }
  }

  /**
   * Charges {@code more} requests beyond the one already charged to the principal's bucket: a
   * batch of n requests costs n, so batching never lifts the per-principal limit. Before any of
   * the batch's work.
   */
  void chargeBatch(Context ctx, String principalId, int more) {
    if (more < 1 || Boolean.TRUE.equals(ctx.attribute(RESERVED_ATTR))) {
      return;
    }
    long now = clock.getAsLong();
    long wait = principals.take(principalId, now, more);
    if (wait == Long.MAX_VALUE) {
      throw new io.custos.failure.InvalidInputException("a batch of " + (more + 1) + " requests is more than this "
          + "principal's rate limit lets through at once (burst " + limits.perPrincipal().burst() + "); send smaller batches");
    }
    if (wait > 0) {
      throw refuse("principal", "too many requests from this principal", wait, now);
    }
  }

  private String address(Context ctx) {
    String a = ctx.attribute(ADDRESS_ATTR);
    return a != null ? a : addressKey(ctx.ip());
  }

  private TooManyRequests refuse(String limit, String detail, long wait, long now) {
    refused.inc(limit);
    refusedSinceReport.incrementAndGet();
    long due = nextReport.get();
    if (now - due >= 0 && nextReport.compareAndSet(due, now + REPORT_EVERY)) {
      LOG.warn("rate limits refused {} requests in the last {} s (latest: {} limit)",
          refusedSinceReport.getAndSet(0), TimeUnit.NANOSECONDS.toSeconds(REPORT_EVERY), limit);
    }
    return new TooManyRequests(detail, wait);
  }

  static boolean reserved(String method, String path) {
    String p = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    return RESERVED_ROUTES.contains(method + " " + p);
  }

  private static boolean credentialInQuery(String query) {
    for (String pair : query.split("&", 64)) {
      int eq = pair.indexOf('=');
      String name = java.net.URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), java.nio.charset.StandardCharsets.UTF_8);
      if (CREDENTIAL_PARAMS.contains(name.toLowerCase(Locale.ROOT))) {
        return true;
      }
    }
    return false;
  }

  /** The address a bucket is kept for: IPv4 as is, IPv6 by its /64 (one subscriber's prefix). */
  static String addressKey(String ip) {
    if (ip == null || ip.indexOf(':') < 0) {
      return ip == null ? "unknown" : ip;
    }
    try {
      InetAddress a = InetAddress.ofLiteral(ip.startsWith("[") ? ip.substring(1, ip.length() - 1) : ip);
      if (a instanceof Inet6Address) {
        byte[] b = Arrays.copyOf(a.getAddress(), 16);
        Arrays.fill(b, 8, 16, (byte) 0);
        return InetAddress.getByAddress(b).getHostAddress() + "/64";
      }
      return a.getHostAddress();
    } catch (IllegalArgumentException | java.net.UnknownHostException e) {
      return ip;
    }
  }

  /** Token buckets by key, bounded. */
  static final class Buckets {
    private final RateLimits.Rate rate;
    private final int cap;
    private final ConcurrentHashMap<String, TokenBucket> map = new ConcurrentHashMap<>();
    private final TokenBucket overflow;
    private final AtomicLong nextSweep;

    Buckets(RateLimits.Rate rate, int cap, long now) {
      this.rate = rate;
      this.cap = cap;
      this.overflow = rate.off() ? null : new TokenBucket(rate.rate(), rate.burst(), now);
      this.nextSweep = new AtomicLong(now);
    }

    /** 0 if the request may go ahead, else the nanoseconds until it could. */
    long take(String key, long now) {
      return take(key, now, 1);
    }

    /** As {@link #take(String, long)} for {@code n} requests at once; see {@link TokenBucket#take(long, int)}. */
    long take(String key, long now, int n) {
      if (rate.off()) {
        return 0;
      }
      TokenBucket b = map.get(key);
      if (b == null) {
        if (map.size() >= cap / 2) {
          sweep(now);
        }
        if (map.size() >= cap) {
          return overflow.take(now, n);
        }
        b = map.computeIfAbsent(key, k -> new TokenBucket(rate.rate(), rate.burst(), now));
      }
      return b.take(now, n);
    }

    /** Forgets buckets that have refilled to the brim: a fresh one would be the same. At most once a second. */
    private void sweep(long now) {
      long due = nextSweep.get();
      if (now - due >= 0 && nextSweep.compareAndSet(due, now + SWEEP_EVERY)) {
        map.values().removeIf(b -> b.full(now));
      }
    }

    int size() {
      return map.size();
    }
  }

  /** Failed authentications by address, with exponential backoff; bounded. */
  static final class Failures {
    private final int threshold;
    private final int cap;
    private final ConcurrentHashMap<String, Entry> map = new ConcurrentHashMap<>();
    private final AtomicLong nextSweep = new AtomicLong(Long.MIN_VALUE);

    private static final class Entry {
      int count;
      long lastFailure;
      long backoff;
      long blockedUntil;
    }

    Failures(int threshold, int cap) {
      this.threshold = threshold;
      this.cap = cap;
    }

    long blocked(String address, long now) {
      Entry e = map.get(address);
      if (e == null) {
        return 0;
      }
      synchronized (e) {
        long left = e.blockedUntil - now;
        return e.count >= threshold && left > 0 ? left : 0;
      }
    }

    void failed(String address, long now) {
      Entry e = map.get(address);
      if (e == null) {
        if (map.size() >= cap) {
          sweep(now);
          if (map.size() >= cap) {
            return; // full of recent failures: the per-address buckets still bound each sender
          }
        }
        e = map.computeIfAbsent(address, a -> new Entry());
      }
      synchronized (e) {
        if (e.count > 0 && now - e.lastFailure > FORGET_FAILURES) {
          e.count = 0;
          e.backoff = 0;
        }
        e.count++;
        e.lastFailure = now;
        // Requests already in flight when a wait began do not lengthen it.
        if (e.count >= threshold && now - e.blockedUntil >= 0) {
          e.backoff = e.backoff == 0 ? FIRST_BACKOFF : Math.min(MAX_BACKOFF, e.backoff * 2);
          e.blockedUntil = now + e.backoff;
        }
      }
    }

    void succeeded(String address) {
      map.remove(address);
    }

    private void sweep(long now) {
      long due = nextSweep.get();
      if ((due == Long.MIN_VALUE || now - due >= 0) && nextSweep.compareAndSet(due, now + SWEEP_EVERY)) {
        map.values().removeIf(e -> {
          synchronized (e) {
            return now - e.lastFailure > FORGET_FAILURES || (e.count < threshold && now - e.lastFailure > MAX_BACKOFF);
          }
        });
      }
    }

    int size() {
      return map.size();
    }
  }
}
