package io.custos.access;

import io.custos.barrier.Barrier;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.MacAlgorithm;
import io.custos.crypto.SecretBytes;
import io.custos.failure.ConflictException;
import io.custos.failure.InvalidInputException;
import io.custos.failure.NotFoundException;
import io.custos.store.RecordStore;
import io.custos.store.StoredRecord;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Bearer tokens: 256 random bits from the DRBG, shown once, stored only as an HMAC-SHA-256 under
 * a key held in the barrier (so a copy of the database cannot be used to test guesses offline).
 * Each token has an accessor — a public id for listing and revoking it without knowing it — a
 * TTL, a maximum TTL that renewal never passes, and the time its session last proved a second
 * factor.
 */
public final class Tokens {
  static final String TYPE = "access.token";
  static final String ACCESSOR_TYPE = "access.token-accessor";
  static final String KEY_TYPE = "access.token-key";
  static final String PREFIX = "cus.";
  static final Duration DEFAULT_TTL = Duration.ofHours(1);
  static final Duration MAX_TTL = Duration.ofDays(32);

  /** What is known about a token; never the token itself. */
  /**
   * @param obtainedWith the client certificate (SPKI SHA-256, hex) its creator authenticated with,
   *     if it was obtained that way: revoked with the certificate's key (SS-002 11.6.1)
   */
  public record Info(String accessor, String principal, Instant createdAt, Instant expiresAt, Instant maxExpiresAt,
      Optional<Instant> secondFactorAt, String createdBy, Optional<String> obtainedWith) {
    public boolean expired(Instant now) {
      return !now.isBefore(expiresAt);
    }
  }

  /** A new token, in the clear exactly once. */
  public record Issued(String token, Info info) {
    @Override
    public String toString() {
      return "Issued[" + info.accessor() + "]";
    }
  }

  private final RecordStore records;
  private final Supplier<Barrier> barrier;
  private final CryptoModule module;
  private final Clock clock;

  Tokens(RecordStore records, Supplier<Barrier> barrier, CryptoModule module, Clock clock) {
    this.records = records;
    this.barrier = barrier;
    this.module = module;
    this.clock = clock;
  }

  Issued create(String principal, Duration ttl, Duration maxTtl, String createdBy, Optional<String> obtainedWith) {
    if (ttl.isNegative() || ttl.isZero() || maxTtl.compareTo(ttl) < 0 || maxTtl.compareTo(MAX_TTL) > 0) {
      throw new InvalidInputException("token ttl must be positive and at most max ttl, itself at most "
          + MAX_TTL.toDays() + " days");
    }
    byte[] raw = new byte[32];
    module.drbg().nextBytes(raw);
    String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    java.util.Arrays.fill(raw, (byte) 0);
    byte[] acc = new byte[12];
    module.drbg().nextBytes(acc);
    String accessor = HexFormat.of().formatHex(acc);
    Instant now = clock.instant();
    Info info = new Info(accessor, principal, now, now.plus(ttl), now.plus(maxTtl), Optional.empty(), createdBy,
        obtainedWith);
    String id = hash(token);
    write(id, info, 0);
    records.put(ACCESSOR_TYPE, accessor, barrier.get().seal(ACCESSOR_TYPE, accessor, 1,
        id.getBytes(StandardCharsets.US_ASCII)), 0);
    return new Issued(token, info);
  }

  /** The live token's info; empty if unknown, malformed, revoked or expired. */
  Optional<Info> lookup(String token) {
    if (token == null || !token.startsWith(PREFIX) || token.length() != PREFIX.length() + 43) {
      return Optional.empty();
    }
    String id = hash(token);
    Optional<StoredRecord> r = records.get(TYPE, id);
    if (r.isEmpty()) {
      return Optional.empty();
    }
    Info info = read(id, r.get());
    return info.expired(clock.instant()) ? Optional.empty() : Optional.of(info);
  }

  Info renew(String token, Duration increment) {
    String id = hash(token);
    StoredRecord r = records.get(TYPE, id).orElseThrow(() -> new NotFoundException("no such token"));
    Info info = read(id, r);
    Instant now = clock.instant();
    if (info.expired(now)) {
      throw new NotFoundException("no such token");
    }
    Instant until = now.plus(increment);
    Info next = new Info(info.accessor(), info.principal(), info.createdAt(),
        until.isAfter(info.maxExpiresAt()) ? info.maxExpiresAt() : until, info.maxExpiresAt(), info.secondFactorAt(),
        info.createdBy(), info.obtainedWith());
    write(id, next, r.version());
    return next;
  }

  /** Records that the token's session has just proved a second factor. */
  Info secondFactor(String token, Instant at) {
    String id = hash(token);
    StoredRecord r = records.get(TYPE, id).orElseThrow(() -> new NotFoundException("no such token"));
    Info info = read(id, r);
    Info next = new Info(info.accessor(), info.principal(), info.createdAt(), info.expiresAt(), info.maxExpiresAt(),
        Optional.of(at), info.createdBy(), info.obtainedWith());
    write(id, next, r.version());
    return next;
  }

  /** Revokes by token or by accessor; true if one was live. */
  boolean revoke(String tokenOrAccessor) {
    String id;
    String accessor;
    if (tokenOrAccessor.startsWith(PREFIX)) {
      id = hash(tokenOrAccessor);
      Optional<StoredRecord> r = records.get(TYPE, id);
      if (r.isEmpty()) {
        return false;
      }
      accessor = read(id, r.get()).accessor();
    } else {
      accessor = tokenOrAccessor;
      Optional<StoredRecord> a = records.get(ACCESSOR_TYPE, accessor);
      if (a.isEmpty()) {
        return false;
      }
      id = new String(barrier.get().open(ACCESSOR_TYPE, accessor, a.get().version(), a.get().payload()),
          StandardCharsets.US_ASCII);
    }
    records.get(TYPE, id).ifPresent(r -> records.delete(TYPE, id, r.version()));
    records.get(ACCESSOR_TYPE, accessor).ifPresent(r -> records.delete(ACCESSOR_TYPE, accessor, r.version()));
    return true;
  }

  /** Every token of a principal (or all, for null), expired ones included until they are purged. */
  List<Info> list(String principal) {
    List<Info> out = new ArrayList<>();
    for (String id : records.list(TYPE, "", 10_000)) {
      records.get(TYPE, id).map(r -> read(id, r)).filter(i -> principal == null || i.principal().equals(principal))
          .ifPresent(out::add);
    }
    return out;
  }

  /** Revokes every live token obtained with this client certificate; returns their accessors. */
  List<String> revokeObtainedWith(String spkiSha256) {
    List<String> out = new ArrayList<>();
    for (Info i : list(null)) {
      if (i.obtainedWith().filter(spkiSha256::equals).isPresent() && revoke(i.accessor())) {
        out.add(i.accessor());
      }
    }
    return out;
  }

  int revokeAll(String principal) {
    int n = 0;
    for (Info i : list(principal)) {
      n += revoke(i.accessor()) ? 1 : 0;
    }
    return n;
  }

  private void write(String id, Info info, long expectedVersion) {
    Fields f = new Fields().put("accessor", info.accessor()).put("principal", info.principal())
        .put("created", info.createdAt().toString()).put("expires", info.expiresAt().toString())
        .put("max_expires", info.maxExpiresAt().toString()).put("created_by", info.createdBy());
    info.secondFactorAt().ifPresent(t -> f.put("second_factor", t.toString()));
    info.obtainedWith().ifPresent(c -> f.put("obtained_with", c));
    try {
      records.put(TYPE, id, barrier.get().seal(TYPE, id, expectedVersion + 1, f.encode()), expectedVersion);
    } catch (ConflictException e) {
      throw new ConflictException("the token changed meanwhile; try again");
    }
  }

  private Info read(String id, StoredRecord r) {
    Fields f = Fields.decode(barrier.get().open(TYPE, id, r.version(), r.payload()));
    return new Info(f.one("accessor"), f.one("principal"), Instant.parse(f.one("created")),
        Instant.parse(f.one("expires")), Instant.parse(f.one("max_expires")),
        f.optional("second_factor").map(Instant::parse), f.one("created_by"), f.optional("obtained_with"));
  }

  /** HMAC-SHA-256 of the token under the instance's token key, hex. */
  private String hash(String token) {
    try (SecretBytes key = tokenKey()) {
      return HexFormat.of().formatHex(module.hmac(MacAlgorithm.HMAC_SHA256, key)
          .tag(token.getBytes(StandardCharsets.US_ASCII)));
    }
  }

  private volatile SecretBytes cachedKey;

  /** Forgets the token key held in memory (on seal). */
  void wipe() {
    SecretBytes k = cachedKey;
    cachedKey = null;
    if (k != null) {
      k.close();
    }
  }

  private SecretBytes tokenKey() {
    SecretBytes k = cachedKey;
    if (k != null && !k.isWiped()) {
      return SecretBytes.adopt(k.use(byte[]::clone));
    }
    SecretBytes loaded = loadTokenKey();
    cachedKey = SecretBytes.adopt(loaded.use(byte[]::clone));
    return loaded;
  }

  private SecretBytes loadTokenKey() {
    Barrier b = barrier.get();
    Optional<StoredRecord> r = records.get(KEY_TYPE, "hmac");
    if (r.isPresent()) {
      return SecretBytes.adopt(b.open(KEY_TYPE, "hmac", r.get().version(), r.get().payload()));
    }
    try (SecretBytes fresh = module.drbg().newKey(32)) {
      try {
        records.put(KEY_TYPE, "hmac", fresh.use(k -> b.seal(KEY_TYPE, "hmac", 1, k)), 0);
      } catch (ConflictException raced) {
        // Another request made it first; use that one.
      }
    }
    StoredRecord stored = records.get(KEY_TYPE, "hmac").orElseThrow();
    return SecretBytes.adopt(b.open(KEY_TYPE, "hmac", stored.version(), stored.payload()));
  }

  static void checkPrincipal(String principal) {
    Objects.requireNonNull(principal, "principal");
  }
}
