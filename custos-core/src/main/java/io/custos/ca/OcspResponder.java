package io.custos.ca;

import io.custos.audit.AuditDraft;
import io.custos.audit.AuditEvent;
import io.custos.barrier.Barrier;
import io.custos.kms.KeyManager;
import io.custos.kms.ManagedKey;
import io.custos.store.CertificateRecords;
import io.custos.store.RecordStore;
import io.custos.store.StoredRecord;
import io.custos.x509.CaLevel;
import io.custos.x509.Ocsp;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The OCSP responder of the online issuing CAs (RFC 6960, RFC 5019; SS-002 11.6.1, 11.6.4).
 *
 * <p>Each CA answers through a delegated responder certificate from its {@code ocsp-signing}
 * profile, whose key is a managed CA-attribute key in the barrier (never exported, escrowed or
 * backed up). The certificate is short-lived and replaced once two thirds of its life has passed.
 *
 * <p>Denial of service (11.6.1): a signed answer for one CertID is kept and served again until
 * half its validity has passed, when the refresh re-signs it, so a flood of requests for known
 * certificates costs no signing. Answers are pre-signed: for each certificate as it is issued (on
 * a low-priority thread, off the issuing call), and by a walk of every served CA's inventory on
 * each refresh, paced by a budget per pass, for every serial not expired for more than a day that
 * has no kept answer. They are kept in a bounded least-recently-used cache (memory bounded at any
 * inventory size: the default 100,000 entries are about 100 MB with the responder certificate in
 * each); pre-signing stops when it is full and says so ({@link #coverage}), so the bound stays
 * honest. A smaller cache holds answers for serials nobody issued, so that random serials cannot
 * evict real ones. Signing on a cache miss
 * has a budget per second; beyond it the answer is the unsigned {@code tryLater}, while cached
 * answers continue to flow. A revocation re-signs the serial's cached answers at once, so the
 * very next request sees {@code revoked}. Nonces (RFC 8954) are honoured only when configured, on
 * a budget of their own, since each costs a signature.
 */
public final class OcspResponder implements AutoCloseable {
  public static final String TYPE = "ca.ocsp-responder";
  private static final System.Logger LOG = System.getLogger(OcspResponder.class.getName());
  private static final AuditEvent.Principal SYSTEM = new AuditEvent.Principal("custos", "system");

  /**
   * @param responseValidity thisUpdate to nextUpdate of every answer; re-signed at half of it
   * @param responderValidity lifetime of a responder certificate; replaced at two thirds of it
   * @param responderAlgorithm the responder key's algorithm; ML-DSA CAs use their own algorithm
   * @param nonce whether request nonces are echoed (each such answer is signed on request)
   * @param cacheEntries most answers kept for known serials (another tenth for unknown serials)
   * @param maxCertIds most CertIDs in one request
   * @param signsPerSecond signing budget for cache misses and multi-CertID requests
   * @param nonceSignsPerSecond signing budget for requests with nonces
   * @param presignPerPass most answers pre-signed by one refresh pass for serials not yet kept (0: none);
   *     a budget of its own, apart from the budget of cache misses
   */
  public record Settings(Duration responseValidity, Duration responderValidity, String responderAlgorithm,
      boolean nonce, int cacheEntries, int maxCertIds, int signsPerSecond, int nonceSignsPerSecond,
      int presignPerPass) {
    /** Default pre-signing budget per refresh pass: at the default minute between passes, ~170 signatures/s. */
    public static final int DEFAULT_PRESIGN_PER_PASS = 10_000;

    public Settings {
      if (responseValidity.compareTo(Duration.ofMinutes(1)) < 0 || responseValidity.compareTo(Duration.ofDays(7)) > 0) {
        throw new io.custos.failure.InvalidInputException("OCSP response validity is 1 minute to 7 days");
      }
      if (responderValidity.compareTo(responseValidity.multipliedBy(4)) < 0
          || responderValidity.compareTo(Duration.ofDays(90)) > 0) {
        throw new io.custos.failure.InvalidInputException("an OCSP responder certificate lives at most 90 days (profile "
            + "ocsp-signing) and at least four times the response validity");
      }
      Objects.requireNonNull(responderAlgorithm, "responderAlgorithm");
      if (cacheEntries < 10 || maxCertIds < 1 || signsPerSecond < 1 || nonceSignsPerSecond < 1) {
        throw new io.custos.failure.InvalidInputException("OCSP cache, CertID and signing limits must be positive");
      }
      if (presignPerPass < 0) {
        throw new io.custos.failure.InvalidInputException("the OCSP pre-signing budget per pass is 0 (off) or more");
      }
    }

    /** Settings with the default pre-signing budget. */
    public Settings(Duration responseValidity, Duration responderValidity, String responderAlgorithm, boolean nonce,
        int cacheEntries, int maxCertIds, int signsPerSecond, int nonceSignsPerSecond) {
      this(responseValidity, responderValidity, responderAlgorithm, nonce, cacheEntries, maxCertIds, signsPerSecond,
          nonceSignsPerSecond, DEFAULT_PRESIGN_PER_PASS);
    }

    public static Settings defaults() {
      return new Settings(Duration.ofHours(1), Duration.ofDays(30), "ecdsa-p256", false, 100_000, 8, 500, 50,
          DEFAULT_PRESIGN_PER_PASS);
    }

    public Settings withNonce(boolean on) {
      return new Settings(responseValidity, responderValidity, responderAlgorithm, on, cacheEntries, maxCertIds,
          signsPerSecond, nonceSignsPerSecond, presignPerPass);
    }

    public Settings withCacheEntries(int entries) {
      return new Settings(responseValidity, responderValidity, responderAlgorithm, nonce, entries, maxCertIds,
          signsPerSecond, nonceSignsPerSecond, presignPerPass);
    }

    public Settings withPresignPerPass(int perPass) {
      return new Settings(responseValidity, responderValidity, responderAlgorithm, nonce, cacheEntries, maxCertIds,
          signsPerSecond, nonceSignsPerSecond, perPass);
    }
  }

  /**
   * An answer to send: the DER OCSPResponse and, for a successful one, what the HTTP caching
   * headers need. {@code problem} says what was wrong with a refused request (not sent in the
   * OCSP body, which has no room for it).
   */
  public record Answer(byte[] der, int status, Optional<Instant> producedAt, Optional<Instant> nextUpdate,
      Optional<String> etag, boolean cacheable, Optional<String> problem) {
    static Answer error(Ocsp.ErrorStatus s, String problem) {
      return new Answer(s.der(), s.code(), Optional.empty(), Optional.empty(), Optional.empty(), false,
          Optional.of(problem));
    }
  }

  /** The responder of one CA, as held in memory. */
  record Delegate(String ca, String keyName, byte[] certificate, Instant notBefore, Instant notAfter,
      Ocsp.IssuerHashes issuer, Ocsp.Responder signer) {
    Instant rotateAt() {
      return notBefore.plus(Duration.between(notBefore, notAfter).multipliedBy(2).dividedBy(3));
    }
  }

  /**
   * How much of the inventory has a pre-signed answer kept, from each CA's last complete walk (or
   * the walk under way, for a CA not yet walked through).
   *
   * @param serials certificates of the served CAs not expired for more than a day (those answered)
   * @param kept how many of them had an answer kept when the walk passed them
   * @param complete whether every served CA has been walked through at least once
   * @param capacityReached whether answers went unsigned because {@code ca.ocsp.cache_entries} was full
   */
  public record Coverage(long serials, long kept, boolean complete, boolean capacityReached) {
    /** The kept share, 1 when there is nothing to answer. */
    public double ratio() {
      return serials == 0 ? 1.0 : (double) kept / serials;
    }
  }

  /** One CA's walk through its inventory: a serial cursor kept across refresh passes. */
  private static final class Walk {
    Optional<String> cursor = Optional.empty();
    long serials;
    long kept;
    boolean full;
    Coverage last;

    void finish() {
      last = new Coverage(serials, kept, true, full);
      cursor = Optional.empty();
      serials = 0;
      kept = 0;
      full = false;
    }

    Coverage coverage() {
      return last != null ? last : new Coverage(serials, kept, false, full);
    }
  }

  /** Certificates expired longer ago than this are not pre-signed (they are still answered on request). */
  static final Duration EXPIRED_GRACE = Duration.ofDays(1);
  /** Most inventory pages one refresh pass reads for pre-signing, over all CAs. */
  static final int PRESIGN_PAGES_PER_PASS = 20;

  /** @param certNotAfter the certificate's notAfter; {@link Instant#MAX} for an unknown serial */
  private record Cached(byte[] der, Instant thisUpdate, Instant nextUpdate, String etag, String ca, Ocsp.CertId id,
      Instant certNotAfter) {}

  /** A certificate's status as the inventory gives it, and its notAfter ({@link Instant#MAX} if unknown). */
  private record Standing(Ocsp.Status status, Instant notAfter) {}

  private final CertificateAuthority authority;
  private final KeyManager keys;
  private final CertificateRecords certificates;
  private final RecordStore records;
  private final Supplier<Barrier> barrier;
  private final Consumer<AuditDraft> audit;
  private final Clock clock;
  private final Settings settings;
  private final Map<String, Delegate> delegates = new ConcurrentHashMap<>();
  private final Lru known;
  private final Lru unknown;
  private final Budget signBudget;
  private final Budget nonceBudget;
  private final Object[] stripes = new Object[64];
  private final AtomicLong signatures = new AtomicLong();
  private final AtomicLong presigned = new AtomicLong();
  private final AtomicLong epoch = new AtomicLong();
  private final AtomicBoolean warnedFull = new AtomicBoolean();
  private final Map<String, Walk> walks = new ConcurrentHashMap<>();
  private final Executor presigner;
  private final ExecutorService ownExecutor;

  /** A responder that pre-signs newly issued certificates on its own low-priority thread (see {@link #close}). */
  public OcspResponder(CertificateAuthority authority, KeyManager keys, CertificateRecords certificates,
      RecordStore records, Supplier<Barrier> barrier, Consumer<AuditDraft> audit, Clock clock, Settings settings) {
    this(authority, keys, certificates, records, barrier, audit, clock, settings, null);
  }

  /**
   * @param presigner where answers for newly issued certificates are signed, off the issuing
   *     thread; null for a thread of the responder's own (one, low priority, at most 10,000 waiting:
   *     beyond that an issued serial waits for the next refresh walk)
   */
  public OcspResponder(CertificateAuthority authority, KeyManager keys, CertificateRecords certificates,
      RecordStore records, Supplier<Barrier> barrier, Consumer<AuditDraft> audit, Clock clock, Settings settings,
      Executor presigner) {
    if (presigner == null) {
      ThreadFactory threads = Thread.ofPlatform().name("custos-ocsp-presign").daemon(true)
          .priority(Thread.MIN_PRIORITY).factory();
      this.ownExecutor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(10_000), threads,
          new ThreadPoolExecutor.DiscardPolicy());
      this.presigner = ownExecutor;
    } else {
      this.ownExecutor = null;
      this.presigner = presigner;
    }
    this.authority = authority;
    this.keys = keys;
    this.certificates = certificates;
    this.records = records;
    this.barrier = barrier;
    this.audit = audit;
    this.clock = clock;
    this.settings = settings;
    this.known = new Lru(settings.cacheEntries());
    this.unknown = new Lru(Math.max(10, settings.cacheEntries() / 10));
    this.signBudget = new Budget(settings.signsPerSecond(), clock);
    this.nonceBudget = new Budget(settings.nonceSignsPerSecond(), clock);
    java.util.Arrays.setAll(stripes, i -> new Object());
    authority.onRevocation(this::revoked);
    authority.onIssue(this::issued);
  }

  /** Stops the responder's own pre-signing thread, if it has one. */
  @Override
  public void close() {
    if (ownExecutor != null) {
      ownExecutor.shutdownNow();
    }
  }

  public Settings settings() {
    return settings;
  }

  /** Answers a DER OCSPRequest addressed to CA {@code caName}; changes nothing stored. */
  public Answer respond(String caName, byte[] request) {
    Ocsp.Request req;
    try {
      req = Ocsp.parse(request, settings.maxCertIds());
    } catch (Ocsp.Malformed e) {
      return Answer.error(Ocsp.ErrorStatus.MALFORMED_REQUEST, e.getMessage());
    }
    Optional<Delegate> d = delegate(caName);
    if (d.isEmpty()) {
      return Answer.error(Ocsp.ErrorStatus.UNAUTHORIZED, "this responder does not answer for CA '" + caName + "'");
    }
    Delegate delegate = d.get();
    Instant now = clock.instant();
    boolean withNonce = settings.nonce() && req.nonce().isPresent() && nonceBudget.take();
    if (req.certIds().size() == 1 && !withNonce) {
      // Also a nonce beyond its budget: the kept answer, without the nonce (RFC 8954 allows it).
      Ocsp.CertId id = req.certIds().getFirst();
      Cached c = cached(caName, id, now);
      if (c != null) {
        return ok(c);
      }
      if (!signBudget.take()) {
        return Answer.error(Ocsp.ErrorStatus.TRY_LATER, "signing budget for uncached answers spent; try again shortly");
      }
      return ok(signAndKeep(delegate, id, now, true));
    }
    if (!withNonce && !signBudget.take()) {
      return Answer.error(Ocsp.ErrorStatus.TRY_LATER, "signing budget spent; try again shortly");
    }
    // Several CertIDs, or a nonce: signed for this request alone, never cached.
    List<Ocsp.Single> singles = req.certIds().stream().map(id -> single(delegate, id, standing(delegate, id), now))
        .toList();
    signatures.incrementAndGet();
    byte[] der = Ocsp.sign(delegate.signer(), singles, now, withNonce ? req.nonce() : Optional.empty());
    return new Answer(der, 0, Optional.of(now), Optional.of(singles.getFirst().nextUpdate()), Optional.empty(), false,
        Optional.empty());
  }

  private Cached cached(String ca, Ocsp.CertId id, Instant now) {
    String key = ca + "/" + id.cacheKey();
    Cached c = known.get(key);
    if (c == null) {
      c = unknown.get(key);
    }
    if (c == null || !c.id().equals(id) || !now.isBefore(c.nextUpdate())) {
      return null;
    }
    return c;
  }

  private static Answer ok(Cached c) {
    return new Answer(c.der(), 0, Optional.of(c.thisUpdate()), Optional.of(c.nextUpdate()), Optional.of(c.etag()), true,
        Optional.empty());
  }

  /**
   * Reads the status, signs and keeps, under a lock striped by serial: a refresh that read the
   * status before a revocation cannot put its stale answer after the revocation's.
   *
   * @param reuse whether an answer kept meanwhile (by a request or pre-signing that held the lock
   *     first) is returned instead of signing again: for misses and pre-signing, never for refresh
   *     and revocation, which must re-sign
   */
  private Cached signAndKeep(Delegate delegate, Ocsp.CertId id, Instant now, boolean reuse) {
    String key = delegate.ca() + "/" + id.cacheKey();
    synchronized (stripes[Math.floorMod(id.serial().hashCode(), stripes.length)]) {
      if (reuse) {
        Cached kept = cached(delegate.ca(), id, now);
        if (kept != null) {
          return kept;
        }
      }
      Standing standing = standing(delegate, id);
      Ocsp.Single single = single(delegate, id, standing, now);
      signatures.incrementAndGet();
      byte[] der = Ocsp.sign(delegate.signer(), List.of(single), now, Optional.empty());
      Cached c = new Cached(der, single.thisUpdate(), single.nextUpdate(), etag(der), delegate.ca(), id,
          standing.notAfter());
      if (single.status() instanceof Ocsp.Status.Unknown) {
        unknown.put(key, c);
      } else {
        unknown.remove(key);
        known.put(key, c);
      }
      return c;
    }
  }

  private Ocsp.Single single(Delegate delegate, Ocsp.CertId id, Standing standing, Instant now) {
    Instant thisUpdate = now.truncatedTo(ChronoUnit.SECONDS);
    Instant next = thisUpdate.plus(settings.responseValidity());
    if (next.isAfter(delegate.notAfter())) {
      next = delegate.notAfter();
    }
    return new Ocsp.Single(id, standing.status(), thisUpdate, next);
  }

  private Standing standing(Delegate delegate, Ocsp.CertId id) {
    if (!id.issuedBy(delegate.issuer()) || id.serial().signum() <= 0) {
      return new Standing(new Ocsp.Status.Unknown(), Instant.MAX); // another CA's certificate, or no certificate at all
    }
    Optional<CertificateRecords.CertificateRow> row = certificates.get(id.serial().toString(16));
    if (row.isEmpty() || !row.get().ca().equals(delegate.ca())) {
      return new Standing(new Ocsp.Status.Unknown(), Instant.MAX);
    }
    CertificateRecords.CertificateRow r = row.get();
    Ocsp.Status status = switch (r.status()) {
      case "good" -> new Ocsp.Status.Good();
      case "hold" -> new Ocsp.Status.Revoked(r.revokedAt().orElse(r.issuedAt()), "certificateHold");
      default -> new Ocsp.Status.Revoked(r.revokedAt().orElse(r.issuedAt()), r.revocationReason().orElse("unspecified"));
    };
    return new Standing(status, r.notAfter());
  }

  /** A revocation, hold or release: the serial's kept answers are re-signed before this returns. */
  private void revoked(CertificateAuthority.Revocation r) {
    if (!r.changed()) {
      return;
    }
    // Kept answers are dropped first: whatever happens next, the next request reads the new status.
    List<String> hashes = new ArrayList<>();
    for (String h : List.of("SHA-1", "SHA-256", "SHA-384", "SHA-512")) {
      if (known.remove(r.ca() + "/" + h + ":" + r.serial()) != null || h.equals("SHA-1")) {
        hashes.add(h);
      }
    }
    Delegate delegate = delegates.get(r.ca());
    if (delegate == null) {
      return; // no responder in memory: nothing was kept, the first request signs the new status
    }
    BigInteger serial = new BigInteger(r.serial(), 16);
    try {
      hashes.forEach(h -> signAndKeep(delegate, delegate.issuer().certId(h, serial), clock.instant(), false));
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "OCSP answer for " + r.serial() + " not re-signed at once ("
          + e.getMessage() + "); it is signed on its next request");
    }
  }

  /**
   * Scheduled work: makes a responder for every active issuing CA that has none, replaces those
   * past two thirds of their life, and re-signs kept answers past half their validity. Returns
   * what it did, each also an audit event.
   */
  public List<String> refresh() {
    List<String> done = new ArrayList<>();
    Instant now = clock.instant();
    List<String> served = new ArrayList<>();
    for (String ca : records.list(CertificateAuthority.CA_TYPE, "", 10_000)) {
      Optional<CaState> state = authority.lookup(ca);
      if (state.isEmpty() || state.get().level() != CaLevel.SUBORDINATE || !state.get().state().equals("active")) {
        continue;
      }
      served.add(ca);
      Delegate d = delegate(ca).orElse(null);
      if (d != null && !now.isBefore(d.rotateAt())) {
        rotate(ca, d);
        done.add("ocsp.responder.rotate ca/" + ca);
      }
    }
    Duration half = settings.responseValidity().dividedBy(2);
    for (Lru lru : List.of(known, unknown)) {
      for (Map.Entry<String, Cached> e : lru.snapshot()) {
        Cached c = e.getValue();
        if (!now.isBefore(c.thisUpdate().plus(half))) {
          Delegate d = delegates.get(c.ca());
          // Expired more than a day ago: dropped, not re-signed, so that answers nobody needs any
          // more do not fill the cache and crowd out pre-signing (asked again, it is signed again).
          if (d == null || c.certNotAfter().isBefore(now.minus(EXPIRED_GRACE))) {
            lru.remove(e.getKey());
          } else {
            signAndKeep(d, c.id(), now, false);
          }
        }
      }
    }
    walks.keySet().retainAll(served);
    int n = presign(served, now);
    if (n > 0) {
      done.add("ocsp.presign " + n);
    }
    return done;
  }

  // ---------------------------------------------------------------- pre-signing (SS-002 11.6.1)

  /** A certificate was just issued: its answer is signed off the issuing thread and kept. */
  private void issued(CertificateRecords.CertificateRow row) {
    if (settings.presignPerPass() == 0) {
      return;
    }
    long at = epoch.get();
    try {
      presigner.execute(() -> presignIssued(row, at));
    } catch (RejectedExecutionException e) {
      // Closed or saturated: the next refresh walk finds the serial.
    }
  }

  private void presignIssued(CertificateRecords.CertificateRow row, long at) {
    try {
      if (epoch.get() != at) {
        return; // sealed since: nothing is signed until unsealed
      }
      Delegate d = delegate(row.ca()).orElse(null);
      if (d == null) {
        return;
      }
      Ocsp.CertId id = d.issuer().certId("SHA-1", new BigInteger(row.serial(), 16));
      if (!known.contains(key(row.ca(), id)) && room()) {
        presignOne(d, id, clock.instant());
      }
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "OCSP answer for new serial " + row.serial() + " not pre-signed ("
          + e.getMessage() + "); the refresh walk signs it");
    }
  }

  /**
   * Walks the served CAs' inventories from where the last pass stopped, signing and keeping a
   * SHA-1 CertID answer (RFC 5019's) for every serial that has none, not expired for more than a
   * day, until this pass's budget is spent, {@link #PRESIGN_PAGES_PER_PASS} pages are read, or the
   * cache is full (a kept answer is never evicted to make room for a pre-signed one). Returns the
   * answers signed.
   */
  private int presign(List<String> served, Instant now) {
    int budget = settings.presignPerPass();
    if (budget == 0) {
      return 0;
    }
    long at = epoch.get();
    Instant oldest = now.minus(EXPIRED_GRACE);
    int signed = 0;
    int pages = 0;
    for (String ca : served) {
      Delegate d = delegates.get(ca);
      if (d == null) {
        continue;
      }
      Walk w = walks.computeIfAbsent(ca, k -> new Walk());
      synchronized (w) {
        while (true) {
          if (pages >= PRESIGN_PAGES_PER_PASS || signed >= budget || epoch.get() != at) {
            return signed;
          }
          List<CertificateRecords.CertificateRow> rows = certificates.query(new CertificateRecords.Query(
              Optional.of(ca), Optional.empty(), Optional.empty(), Optional.empty(), w.cursor,
              CertificateRecords.MAX_PAGE));
          pages++;
          for (CertificateRecords.CertificateRow row : rows) {
            if (signed >= budget) {
              return signed; // the cursor stays on the last serial handled
            }
            w.cursor = Optional.of(row.serial());
            if (row.notAfter().isBefore(oldest)) {
              continue;
            }
            w.serials++;
            Ocsp.CertId id = d.issuer().certId("SHA-1", new BigInteger(row.serial(), 16));
            if (known.contains(key(ca, id))) {
              w.kept++;
            } else if (!room()) {
              w.full = true;
            } else {
              if (presignOne(d, id, now)) {
                signed++;
              }
              w.kept++;
            }
          }
          if (rows.size() < CertificateRecords.MAX_PAGE) {
            w.finish();
            break;
          }
        }
      }
    }
    if (walks.values().stream().allMatch(w -> w.last != null && !w.last.capacityReached())) {
      warnedFull.set(false); // covered again: a later shortfall is reported again
    }
    return signed;
  }

  /** Signs and keeps an answer unless one is kept by then (a request was first); whether it signed. */
  private boolean presignOne(Delegate d, Ocsp.CertId id, Instant now) {
    synchronized (stripes[Math.floorMod(id.serial().hashCode(), stripes.length)]) {
      if (known.contains(key(d.ca(), id))) {
        return false;
      }
      signAndKeep(d, id, now, false);
      presigned.incrementAndGet();
      return true;
    }
  }

  /** Whether another answer fits without evicting one; says once that it does not. */
  private boolean room() {
    if (known.size() < settings.cacheEntries()) {
      return true;
    }
    if (warnedFull.compareAndSet(false, true)) {
      LOG.log(System.Logger.Level.WARNING, "OCSP pre-signing stopped at ca.ocsp.cache_entries = "
          + settings.cacheEntries() + " kept answers: serials beyond it are signed on request (within the miss "
          + "budget); raise ca.ocsp.cache_entries to pre-sign every known serial (coverage: "
          + "custos_ocsp_presign_coverage)");
    }
    return false;
  }

  private static String key(String ca, Ocsp.CertId id) {
    return ca + "/" + id.cacheKey();
  }

  /** How much of the inventory is answered from pre-signed answers (see {@link Coverage}). */
  public Coverage coverage() {
    long serials = 0;
    long kept = 0;
    boolean complete = true;
    boolean full = false;
    for (Walk w : walks.values()) {
      Coverage c;
      synchronized (w) {
        c = w.coverage();
      }
      serials += c.serials();
      kept += c.kept();
      complete &= c.complete();
      full |= c.capacityReached();
    }
    return new Coverage(serials, kept, complete && !walks.isEmpty(), full);
  }

  /** Signatures made so far, of every kind (misses, pre-signing, refresh, revocation, nonces). */
  public long signatures() {
    return signatures.get();
  }

  /** Answers pre-signed so far (on issue and by the refresh walk). */
  public long presigned() {
    return presigned.get();
  }

  /** Forgets every kept answer and responder (the node is sealing): nothing is answered until unsealed. */
  public void wipe() {
    synchronized (delegates) {
      epoch.incrementAndGet();
      walks.clear();
      delegates.clear();
      known.clear();
      unknown.clear();
    }
  }

  /** How many answers are kept: for known serials and for unknown ones. */
  public long[] cached() {
    return new long[] {known.size(), unknown.size()};
  }

  /** The current responder certificate of {@code ca} (DER), made if the CA has none yet. */
  public Optional<byte[]> responderCertificate(String ca) {
    return delegate(ca).map(Delegate::certificate);
  }

  // ---------------------------------------------------------------- responder certificates

  private Optional<Delegate> delegate(String ca) {
    Delegate d = delegates.get(ca);
    if (d != null) {
      return Optional.of(d);
    }
    synchronized (delegates) {
      d = delegates.get(ca);
      if (d != null) {
        return Optional.of(d);
      }
      Optional<CaState> state = authority.lookup(ca);
      if (state.isEmpty() || state.get().level() != CaLevel.SUBORDINATE || !state.get().state().equals("active")) {
        return Optional.empty();
      }
      Optional<StoredRecord> stored = records.get(TYPE, ca);
      if (stored.isPresent()) {
        String[] parts = new String(barrier.get().open(TYPE, ca, stored.get().version(), stored.get().payload()),
            StandardCharsets.UTF_8).split("\n");
        d = load(state.get(), parts[0], Base64.getDecoder().decode(parts[1]));
        if (clock.instant().isBefore(d.notAfter())) {
          delegates.put(ca, d);
          return Optional.of(d);
        }
      }
      d = issue(state.get(), stored.map(StoredRecord::version).orElse(0L), "ocsp.responder.issue");
      delegates.put(ca, d);
      return Optional.of(d);
    }
  }

  private void rotate(String ca, Delegate old) {
    synchronized (delegates) {
      CaState state = authority.lookup(ca).orElseThrow();
      long version = records.get(TYPE, ca).map(StoredRecord::version).orElse(0L);
      Delegate d = issue(state, version, "ocsp.responder.rotate");
      // Answers signed by the old responder stay valid (its certificate outlives them by a third of
      // its life, far more than an answer's validity); they are re-signed by the new one as they come due.
      delegates.put(ca, d);
    }
  }

  /** A new key in the barrier and a certificate for it; audited (fail closed: no record, no responder). */
  private Delegate issue(CaState ca, long storedVersion, String action) {
    String caAlgorithm = keys.caKey(ca.keyName()).algorithm().id();
    // A post-quantum hierarchy stays post-quantum: ML-DSA CAs answer with ML-DSA.
    String algorithm = caAlgorithm.startsWith("ml-dsa") ? caAlgorithm : settings.responderAlgorithm();
    String keyName = "ocsp." + ca.name() + "." + Long.toString(clock.millis(), 36);
    Map<String, String> params = new LinkedHashMap<>();
    params.put("key", keyName);
    params.put("algorithm", algorithm);
    ManagedKey key = keys.createCaKey(keyName, algorithm, ca.owner(), settings.responderValidity());
    byte[] cert = authority.issueOcspResponder(ca.name(), key.newest().publicKey(), settings.responderValidity());
    Delegate d = load(ca, keyName, cert);
    params.put("serial", CertificateAuthority.x509(cert).getSerialNumber().toString(16));
    params.put("not_after", d.notAfter().toString());
    audit.accept(AuditDraft.ok(UUID.randomUUID().toString(), SYSTEM, action, "ca/" + ca.name() + "/ocsp", "", params));
    byte[] payload = (keyName + "\n" + Base64.getEncoder().encodeToString(cert)).getBytes(StandardCharsets.UTF_8);
    records.put(TYPE, ca.name(), barrier.get().seal(TYPE, ca.name(), storedVersion + 1, payload), storedVersion);
    return d;
  }

  private Delegate load(CaState ca, String keyName, byte[] cert) {
    var x = CertificateAuthority.x509(cert);
    ManagedKey key = keys.caKey(keyName);
    return new Delegate(ca.name(), keyName, cert, x.getNotBefore().toInstant(), x.getNotAfter().toInstant(),
        Ocsp.IssuerHashes.of(ca.certificate().orElseThrow()), new Ocsp.Responder(cert,
            key.algorithm().pairType().orElseThrow(), tbs -> keys.signAsCa(keyName, tbs)));
  }

  private static String etag(byte[] der) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(der);
      return "\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(h, 16)) + "\"";
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A bounded least-recently-used map; one lock, held for a hash lookup at most. */
  private static final class Lru {
    private final LinkedHashMap<String, Cached> map;

    Lru(int max) {
      this.map = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
          return size() > max;
        }
      };
    }

    synchronized Cached get(String k) {
      return map.get(k);
    }

    synchronized void put(String k, Cached v) {
      map.put(k, v);
    }

    synchronized boolean contains(String k) {
      return map.containsKey(k); // no access: a walk does not make an answer recently used
    }

    synchronized Cached remove(String k) {
      return map.remove(k);
    }

    synchronized void clear() {
      map.clear();
    }

    synchronized int size() {
      return map.size();
    }

    synchronized List<Map.Entry<String, Cached>> snapshot() {
      return new ArrayList<>(map.entrySet()).stream().map(e -> Map.entry(e.getKey(), e.getValue())).toList();
    }
  }

  /** Signatures a second, refilled each second: a coarse token bucket. */
  private static final class Budget {
    private final int perSecond;
    private final Clock clock;
    private long second;
    private int left;

    Budget(int perSecond, Clock clock) {
      this.perSecond = perSecond;
      this.clock = clock;
    }

    synchronized boolean take() {
      long s = clock.millis() / 1000;
      if (s != second) {
        second = s;
        left = perSecond;
      }
      if (left == 0) {
        return false;
      }
      left--;
      return true;
    }
  }
}
