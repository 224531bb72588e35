package io.custos.ca;

import io.custos.audit.AuditDraft;
import io.custos.audit.AuditEvent;
import io.custos.failure.ConflictException;
import io.custos.failure.ControlViolationException;
import io.custos.failure.InvalidInputException;
import io.custos.failure.NotFoundException;
import io.custos.store.CertificateRecords;
import io.custos.store.RecordStore;
import io.custos.store.StoredRecord;
import io.custos.x509.CaLevel;
import io.custos.x509.Certificates;
import io.custos.x509.Crls;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Certificate revocation lists of the online CAs (SS-002 11.6.4): for each CA a full CRL (CRL
 * number, authority key identifier, issuing distribution point = the CRL URL written into its
 * certificates, Freshest CRL = its delta) and a delta CRL (delta CRL indicator = the base CRL
 * number; every status change since the base, including {@code removeFromCRL} for released
 * holds).
 *
 * <p>CRL numbers come from one persisted, monotonic sequence per CA shared by full and delta
 * CRLs (RFC 5280 5.2.3). The delta's base is the full CRL of the last scheduled regeneration; it
 * moves on every {@link Settings#regenerateEvery()}. Revocations schedule a new full and delta
 * CRL after {@link Settings#coalesce()}, so a burst of revocations costs one signature, and the
 * revoking call never waits for it. A CRL not regenerated when due — the CA key is sealed away,
 * the store is down — is stale: an {@code alert.crl_stale} audit event names the CA, once per
 * episode, and {@link #status()} feeds the age gauge.
 *
 * <p>The offline root's CRL is made in a ceremony and imported here ({@link #importCrl}) after
 * its signature is checked against the root certificate at the top of the online CAs' chains.
 *
 * <p>CRLs are public: they are kept in memory and served as bytes, never re-signed per request.
 */
public final class CrlPublisher implements AutoCloseable {
  public static final String STATE_TYPE = "ca.crl-state";
  public static final String IMPORTED_TYPE = "ca.crl-import";
  static final String CONTROL = "SS-002 11.6.4";
  private static final AuditEvent.Principal SYSTEM = new AuditEvent.Principal("custos", "system");

  /**
   * @param nextUpdate how long a CRL is valid (its nextUpdate after thisUpdate)
   * @param regenerateEvery how often a new base CRL is made, well before nextUpdate
   * @param coalesce how long after a revocation the new CRL is signed (revocations meanwhile join it)
   */
  public record Settings(Duration nextUpdate, Duration regenerateEvery, Duration coalesce) {
    public static final Settings DEFAULTS = new Settings(Duration.ofHours(24), Duration.ofHours(6), Duration.ofSeconds(2));

    public Settings {
      Objects.requireNonNull(nextUpdate, "nextUpdate");
      Objects.requireNonNull(regenerateEvery, "regenerateEvery");
      Objects.requireNonNull(coalesce, "coalesce");
      if (nextUpdate.compareTo(Duration.ofMinutes(10)) < 0 || nextUpdate.compareTo(Duration.ofDays(30)) > 0) {
        throw new InvalidInputException("CRL next update must be from 10 minutes to 30 days, not " + nextUpdate);
      }
      if (regenerateEvery.compareTo(Duration.ofMinutes(1)) < 0
          || regenerateEvery.multipliedBy(2).compareTo(nextUpdate) > 0) {
        throw new InvalidInputException("CRLs are regenerated well before their next update (SS-002 11.6.4): the "
            + "interval must be at least a minute and at most half of " + nextUpdate + ", not " + regenerateEvery);
      }
      if (coalesce.isNegative() || coalesce.compareTo(Duration.ofMinutes(1)) > 0) {
        throw new InvalidInputException("revocations are published within a minute; coalescing of " + coalesce
            + " is too long");
      }
    }
  }

  /** A signed CRL as served: DER, its number and times. */
  public record Published(String ca, byte[] der, BigInteger number, Optional<BigInteger> deltaBase, Instant thisUpdate,
      Instant nextUpdate, int entries) {
    public Published {
      der = der.clone();
    }

    /** The DER (not copied: served as is, never changed). */
    @Override
    public byte[] der() {
      return der;
    }
  }

  /** The CRL standing of one CA, for metrics and status. */
  public record Status(String ca, Instant thisUpdate, Instant nextUpdate, Duration age, boolean stale) {}

  private record Current(Published full, Published delta, BigInteger baseNumber, Instant baseFrom, Instant baseAt) {}

  private final CertificateAuthority authority;
  private final CertificateRecords certificates;
  private final RecordStore records;
  private final Consumer<AuditDraft> audit;
  private final Settings settings;
  private final Clock clock;
  private final Map<String, Current> current = new ConcurrentHashMap<>();
  private final Map<String, Published> importedCache = new ConcurrentHashMap<>();
  private final Set<String> pending = ConcurrentHashMap.newKeySet();
  private final Set<String> stale = ConcurrentHashMap.newKeySet();
  private final Optional<ScheduledExecutorService> executor;
  private volatile int signed;

  /**
   * @param executor where coalesced regenerations run; empty to regenerate only when asked
   *     ({@link #runDue}, {@link #publishPending})
   */
  public CrlPublisher(CertificateAuthority authority, CertificateRecords certificates, RecordStore records,
      Consumer<AuditDraft> audit, Settings settings, Clock clock, Optional<ScheduledExecutorService> executor) {
    this.authority = Objects.requireNonNull(authority, "authority");
    this.certificates = Objects.requireNonNull(certificates, "certificates");
    this.records = Objects.requireNonNull(records, "records");
    this.audit = Objects.requireNonNull(audit, "audit");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.executor = Objects.requireNonNull(executor, "executor");
    authority.onRevocation(this::revoked);
  }

  public Settings settings() {
    return settings;
  }

  /** How many CRL pairs (full and delta) this publisher has signed since it started. */
  public int signed() {
    return signed;
  }

  // ---------------------------------------------------------------- schedule

  private void revoked(CertificateAuthority.Revocation r) {
    if (!r.changed() || !pending.add(r.ca())) {
      return; // nothing changed, or a regeneration is already on its way and will see this one too
    }
    executor.ifPresent(e -> e.schedule(() -> publishPending(r.ca()), settings.coalesce().toMillis(),
        TimeUnit.MILLISECONDS));
  }

  /** The CAs with revocations waiting for their CRL. */
  public Set<String> pending() {
    return Set.copyOf(pending);
  }

  /** Signs a new full and delta CRL for {@code ca} if revocations are waiting; false if none were. */
  public boolean publishPending(String ca) {
    if (!pending.remove(ca)) {
      return false;
    }
    try {
      publish(ca, false);
      return true;
    } catch (RuntimeException e) {
      System.getLogger(CrlPublisher.class.getName()).log(System.Logger.Level.WARNING,
          "CRL of CA " + ca + " not published after revocation: " + e.getMessage());
      return false;
    }
  }

  /**
   * The scheduled work: every active CA whose base CRL is older than the regeneration interval
   * (or that has none yet) gets a new base; a CA whose regeneration fails when due raises a stale
   * CRL alert. Returns the CAs published.
   */
  public List<String> runDue() {
    Instant now = clock.instant();
    List<String> done = new ArrayList<>();
    List<String> cas = new ArrayList<>();
    Optional<RuntimeException> listing = Optional.empty();
    try {
      authority.activeCas().forEach(c -> cas.add(c.name()));
    } catch (RuntimeException e) {
      listing = Optional.of(e); // sealed: the CAs cannot even be read; those known are checked below
    }
    for (String ca : current.keySet()) {
      if (!cas.contains(ca)) {
        cas.add(ca);
      }
    }
    for (String ca : cas) {
      Current c = current.get(ca);
      if (c != null && Duration.between(c.baseAt(), now).compareTo(settings.regenerateEvery()) < 0) {
        continue;
      }
      try {
        if (listing.isPresent()) {
          throw listing.get();
        }
        publish(ca, true);
        done.add(ca);
        if (stale.remove(ca)) {
          record("crl.fresh", ca, Map.of("control", CONTROL));
        }
      } catch (RuntimeException e) {
        if (c != null) {
          raiseStale(ca, c.full(), now, "regeneration failed: " + e.getMessage());
        }
      }
    }
    checkImported(now);
    return done;
  }

  /**
   * The offline root's imported CRLs cannot be regenerated here: past their nextUpdate they are
   * stale until a ceremony signs a new one and it is imported.
   */
  private void checkImported(Instant now) {
    for (String name : records.list(IMPORTED_TYPE, "", 1000)) {
      try {
        Optional<Published> p = imported(name);
        if (p.isPresent() && !now.isBefore(p.get().nextUpdate())) {
          raiseStale(name, p.get(), now, "it is the offline root's; sign a new one with `custos ceremony crl` and "
              + "`custos crl import` it");
        } else if (p.isPresent() && stale.remove(name)) {
          record("crl.fresh", name, Map.of("control", CONTROL));
        }
      } catch (RuntimeException e) {
        // sealed or the store away: looked at again on the next run
      }
    }
  }

  private void raiseStale(String ca, Published full, Instant now, String why) {
    if (!stale.add(ca)) {
      return;
    }
    long age = Duration.between(full.thisUpdate(), now).toSeconds();
    boolean expired = !now.isBefore(full.nextUpdate());
    Map<String, String> params = new LinkedHashMap<>();
    params.put("control", CONTROL);
    params.put("severity", expired ? "critical" : "high");
    params.put("ca", ca);
    params.put("age_seconds", Long.toString(age));
    params.put("next_update", full.nextUpdate().toString());
    params.put("message", CONTROL + ": the CRL of CA '" + ca + "' was due for regeneration and is " + age
        + " s old" + (expired ? ", past its nextUpdate" : "") + "; " + why);
    try {
      audit.accept(new AuditDraft(UUID.randomUUID().toString(), SYSTEM, "alert.crl_stale", "ca/" + ca + "/crl",
          AuditEvent.Outcome.OK, Optional.of(CONTROL), "", params));
    } catch (RuntimeException e) {
      stale.remove(ca); // not recorded: the next run tries again
    }
  }

  /** Each CA's CRL age and whether it is stale. */
  public List<Status> status() {
    Instant now = clock.instant();
    List<Status> out = new ArrayList<>();
    current.forEach((ca, c) -> out.add(new Status(ca, c.full().thisUpdate(), c.full().nextUpdate(),
        Duration.between(c.full().thisUpdate(), now), stale.contains(ca) || !now.isBefore(c.full().nextUpdate()))));
    importedCache.forEach((name, p) -> out.add(new Status(name, p.thisUpdate(), p.nextUpdate(),
        Duration.between(p.thisUpdate(), now), !now.isBefore(p.nextUpdate()))));
    return out;
  }

  // ---------------------------------------------------------------- signing

  /**
   * Signs a new full and delta CRL for {@code ca} now; {@code rebase} makes the new full CRL the
   * delta's base. Recorded as a {@code crl.published} audit event before it is served (fail closed).
   */
  public synchronized Published publish(String ca, boolean rebase) {
    Certificates.Issuer issuer = authority.crlIssuer(ca);
    Current before = current.get(ca);
    boolean newBase = rebase || before == null;
    Instant from = clock.instant();
    Instant thisUpdate = from.truncatedTo(ChronoUnit.SECONDS);
    Instant nextUpdate = thisUpdate.plus(settings.nextUpdate());
    BigInteger fullNumber = allocate(ca);
    BigInteger deltaNumber = fullNumber.add(BigInteger.ONE);
    BigInteger baseNumber = newBase ? fullNumber : before.baseNumber();
    Instant baseFrom = newBase ? from : before.baseFrom();
    Instant baseAt = newBase ? from : before.baseAt();

    Crls.Entries full = new Crls.Entries();
    certificates.forEachRevoked(ca, e -> full.add(e.serial(), e.revokedAt().orElse(e.changedAt()),
        e.status().equals("hold") ? "certificateHold" : e.reason().orElse("unspecified")));
    String url = authority.crlUrl(ca);
    // A root's CRL also covers the root's own certificate, which carries no CRL distribution point:
    // scoped by an issuing distribution point it would not apply to it (RFC 5280 6.3.3 (b)(2)), and
    // relying parties checking the whole chain (openssl -crl_check_all) would find no CRL in scope.
    boolean root = authority.activeCa(ca).level() == CaLevel.ROOT;
    Crls.Scope fullScope = root ? new Crls.Scope(Optional.empty(), Optional.of(authority.deltaCrlUrl(ca)), Optional.empty())
        : Crls.Scope.full(url, Optional.of(authority.deltaCrlUrl(ca)));
    byte[] fullDer = Crls.sign(issuer, thisUpdate, nextUpdate, fullNumber, fullScope, full);

    Crls.Entries delta = new Crls.Entries();
    for (CertificateRecords.StatusEntry e : certificates.changedSince(ca, baseFrom)) {
      switch (e.status()) {
        case "good" -> delta.add(e.serial(), e.changedAt(), "removeFromCRL");
        case "hold" -> delta.add(e.serial(), e.revokedAt().orElse(e.changedAt()), "certificateHold");
        default -> delta.add(e.serial(), e.revokedAt().orElse(e.changedAt()), e.reason().orElse("unspecified"));
      }
    }
    byte[] deltaDer = Crls.sign(issuer, thisUpdate, nextUpdate, deltaNumber, root
        ? new Crls.Scope(Optional.empty(), Optional.empty(), Optional.of(baseNumber)) : Crls.Scope.delta(url, baseNumber),
        delta);

    Map<String, String> params = new LinkedHashMap<>();
    params.put("control", CONTROL);
    params.put("crl_number", fullNumber.toString());
    params.put("entries", Integer.toString(full.size()));
    params.put("delta_crl_number", deltaNumber.toString());
    params.put("delta_base", baseNumber.toString());
    params.put("delta_entries", Integer.toString(delta.size()));
    params.put("next_update", nextUpdate.toString());
    params.put("trigger", rebase ? "schedule" : before == null ? "first" : "revocation");
    record("crl.published", ca, params);
    Published f = new Published(ca, fullDer, fullNumber, Optional.empty(), thisUpdate, nextUpdate, full.size());
    Published d = new Published(ca, deltaDer, deltaNumber, Optional.of(baseNumber), thisUpdate, nextUpdate,
        delta.size());
    current.put(ca, new Current(f, d, baseNumber, baseFrom, baseAt));
    signed++;
    return f;
  }

  /** Takes the next two CRL numbers of {@code ca} from its persisted sequence; never reused. */
  private BigInteger allocate(String ca) {
    for (int attempt = 0; attempt < 5; attempt++) {
      Optional<StoredRecord> r = records.get(STATE_TYPE, ca);
      BigInteger next = r.map(x -> new BigInteger(new String(x.payload(), StandardCharsets.US_ASCII).strip()))
          .orElse(BigInteger.ONE);
      try {
        records.put(STATE_TYPE, ca, next.add(BigInteger.TWO).toString().getBytes(StandardCharsets.US_ASCII),
            r.map(StoredRecord::version).orElse(0L));
        return next;
      } catch (ConflictException e) {
        // another node took numbers meanwhile: read again
      }
    }
    throw new ConflictException("cannot take a CRL number for CA '" + ca + "': the sequence keeps changing");
  }

  // ---------------------------------------------------------------- serving

  /** The CA's current full CRL, signed now if there is none yet (first request after start). */
  public Optional<Published> full(String ca) {
    return cached(ca).map(Current::full).or(() -> imported(ca));
  }

  /** The CA's current delta CRL. */
  public Optional<Published> delta(String ca) {
    return cached(ca).map(Current::delta);
  }

  private Optional<Current> cached(String ca) {
    Current c = current.get(ca);
    if (c != null || importedCache.containsKey(ca)) {
      return Optional.ofNullable(c);
    }
    boolean online = authority.activeCas().stream().anyMatch(x -> x.name().equals(ca));
    if (!online) {
      return Optional.empty();
    }
    synchronized (this) {
      if (!current.containsKey(ca)) {
        publish(ca, true);
      }
    }
    return Optional.ofNullable(current.get(ca));
  }

  // ---------------------------------------------------------------- the offline root's CRL

  /**
   * Publishes the offline root's CRL, made in a ceremony, under {@code name}: it must be a full
   * CRL signed by a root certificate at the top of an online CA's chain, still current, and its
   * CRL number not lower than the one published before. Returns what is now served.
   */
  public Published importCrl(String name, byte[] crl) {
    if (name == null || !name.matches("[a-z0-9][a-z0-9-]{0,47}")) {
      throw new InvalidInputException("CA name must match [a-z0-9][a-z0-9-]{0,47}");
    }
    List<CaState> online = authority.activeCas();
    if (online.stream().anyMatch(c -> c.name().equals(name))) {
      throw new ConflictException("CA '" + name + "' is online; its CRLs are signed here, not imported");
    }
    byte[] der = Crls.der(crl);
    List<byte[]> roots = new ArrayList<>();
    for (CaState c : online) {
      if (c.level() != CaLevel.ROOT && !c.chain().isEmpty()
          && roots.stream().noneMatch(r -> Arrays.equals(r, c.chain().getLast()))) {
        roots.add(c.chain().getLast());
      }
    }
    if (roots.isEmpty()) {
      throw new NotFoundException("no online CA chains to an offline root; activate a CA the root signed first");
    }
    Crls.Info info = null;
    List<String> problems = new ArrayList<>();
    for (byte[] root : roots) {
      try {
        info = Crls.read(der, root);
        break;
      } catch (InvalidInputException e) {
        problems.add(e.getMessage());
      }
    }
    if (info == null) {
      throw new InvalidInputException("the CRL is not signed by the root of any online CA: "
          + String.join("; ", problems));
    }
    if (info.deltaBase().isPresent()) {
      throw new InvalidInputException("this is a delta CRL; the root publishes full CRLs");
    }
    Instant now = clock.instant();
    if (info.nextUpdate().isEmpty() || !info.nextUpdate().get().isAfter(now)) {
      throw new ControlViolationException(CONTROL, "the CRL's nextUpdate "
          + info.nextUpdate().map(Instant::toString).orElse("(none)") + " has passed; sign a new one in a ceremony");
    }
    Optional<StoredRecord> previous = records.get(IMPORTED_TYPE, name);
    if (previous.isPresent()) {
      Crls.Info old = Crls.read(previous.get().payload(), issuerOf(roots, previous.get().payload()));
      if (info.number().compareTo(old.number()) < 0) {
        throw new ControlViolationException(CONTROL, "CRL number " + info.number() + " is lower than the published "
            + old.number() + "; CRL numbers only increase (RFC 5280 5.2.3)");
      }
    }
    records.put(IMPORTED_TYPE, name, der, previous.map(StoredRecord::version).orElse(0L));
    Published p = new Published(name, der, info.number(), Optional.empty(), info.thisUpdate(), info.nextUpdate().get(),
        info.entries());
    importedCache.put(name, p);
    return p;
  }

  private static byte[] issuerOf(List<byte[]> roots, byte[] crl) {
    for (byte[] root : roots) {
      try {
        Crls.read(crl, root);
        return root;
      } catch (InvalidInputException e) {
        // try the next
      }
    }
    return roots.getFirst();
  }

  private Optional<Published> imported(String name) {
    Published cached = importedCache.get(name);
    if (cached != null) {
      return Optional.of(cached);
    }
    return records.get(IMPORTED_TYPE, name).map(r -> {
      byte[] der = r.payload();
      List<byte[]> roots = authority.activeCas().stream().filter(c -> !c.chain().isEmpty())
          .map(c -> c.chain().getLast()).toList();
      if (roots.isEmpty()) {
        throw new NotFoundException("no online CA chains to the root that signed CRL '" + name + "'");
      }
      Crls.Info info = Crls.read(der, issuerOf(roots, der));
      Published p = new Published(name, der, info.number(), Optional.empty(), info.thisUpdate(),
          info.nextUpdate().orElse(info.thisUpdate()), info.entries());
      importedCache.put(name, p);
      return p;
    });
  }

  private void record(String action, String ca, Map<String, String> params) {
    audit.accept(AuditDraft.ok(UUID.randomUUID().toString(), SYSTEM, action, "ca/" + ca + "/crl", "", params));
  }

  @Override
  public void close() {
    current.clear();
  }
}
