package io.custos.app;

import io.custos.access.AccessControl;
import io.custos.access.AccessGate;
import io.custos.access.Approvals;
import io.custos.app.config.CustosConfig;
import io.custos.audit.AuditDraft;
import io.custos.audit.AuditEvent;
import io.custos.audit.AuditKeyring;
import io.custos.audit.AuditLog;
import io.custos.monitor.AnomalyDetector;
import io.custos.monitor.AuditMonitor;
import io.custos.monitor.KekAuthorisations;
import io.custos.server.AccessRoutes;
import io.custos.server.ApiServer;
import io.custos.server.ApprovalRoutes;
import io.custos.server.AuditRoutes;
import io.custos.server.KeyRoutes;
import io.custos.crypto.AsymmetricProviders;
import io.custos.kms.AlgorithmPolicy;
import io.custos.kms.KeyManager;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import io.custos.server.SealRoutes;
import io.custos.seal.Seal;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import io.custos.server.Metrics;
import io.custos.server.ServerSettings;
import io.custos.store.Storage;
import io.custos.store.StorageUrl;
import io.custos.store.jdbc.JdbcStorage;
import io.custos.system.SystemHealth;
import io.custos.system.SystemState;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** The one place that wires a running Custos node: store, audit log, core services, HTTP API. */
final class Node implements AutoCloseable {
  private static final AuditEvent.Principal SYSTEM = new AuditEvent.Principal("custos", "system");

  private final Storage storage;
  private final LiveAuditKeys keyring;
  private final AuditLog audit;
  private final AuditMonitor monitor;
  private final Optional<CentralLogging> central;
  private final ApiServer server;
  private final Seal seal;
  private final Optional<Seal.InitResult> devInit;
  private final KeyManager keys;
  private final ScheduledExecutorService maintenance;
  private Optional<String> devCa = Optional.empty();
  private Optional<ScheduledExecutorService> crlThread = Optional.empty();
  private Optional<AutoCloseable> ocspPresigner = Optional.empty();

  private Node(Storage storage, LiveAuditKeys keyring, AuditLog audit, AuditMonitor monitor,
      Optional<CentralLogging> central, ApiServer server, Seal seal, Optional<Seal.InitResult> devInit,
      KeyManager keys, ScheduledExecutorService maintenance) {
    this.keys = keys;
    this.maintenance = maintenance;
    this.seal = seal;
    this.devInit = devInit;
    this.storage = storage;
    this.keyring = keyring;
    this.audit = audit;
    this.monitor = monitor;
    this.central = central;
    this.server = server;
  }

  static Node start(CustosConfig config, StorageUrl storageUrl, boolean dev) {
    return start(config, storageUrl, dev, Optional.empty());
  }

  /** @param devRootToken dev mode: the root token to create instead of a random one */
  static Node start(CustosConfig config, StorageUrl storageUrl, boolean dev, Optional<String> devRootToken) {
    InstantSource clock = InstantSource.system();
    List<AutoCloseable> opened = new ArrayList<>();
    try {
      Storage storage = JdbcStorage.open(storageUrl, VersionInfo.CURRENT.version(), clock);
      opened.add(storage);
      if (!storage.records().list("ceremony", "", 1).isEmpty()) {
        // SS-002 11.3.1: the offline root's data directory is used only by `custos ceremony`, never served.
        throw new io.custos.failure.InvalidInputException("this data directory holds an offline root CA; it is used only"
            + " by `custos ceremony` on an offline machine and is never served (SS-002 11.3.1)");
      }
      String keyName = AuditKeyring.keyNameFor(storage.instance().id());
      AuditLog audit = AuditLog.open(storage.audit(), AuditKeyring.publicKey(storage.records()), keyName, keyName,
          clock, new AuditLog.Settings(config.auditCheckpointEvery(), config.auditCheckpointInterval(), 2048));
      opened.add(audit);
      CryptoModule crypto = FipsCryptoModule.start();
      Seal seal = new Seal(storage.records(), crypto);
      LiveAuditKeys keyring = new LiveAuditKeys(storage.records(), keyName, crypto.drbg().asSecureRandom(), audit, seal);
      opened.add(keyring);
      opened.add(seal);
      AuditMonitor monitor = new AuditMonitor(audit,
          new AnomalyDetector(config.monitor(), KekAuthorisations.noneGranted(), clock));
      opened.add(monitor);
      Optional<CentralLogging> central = CentralLogging.start(config, storage.audit(), audit, clock);
      central.ifPresent(opened::add);

      SystemHealth health = new SystemHealth(VersionInfo.CURRENT, storage, seal::state, clock, dev);
      Optional<ServerSettings.Tls> tls = config.tlsCert().map(c -> new ServerSettings.Tls(c, config.tlsKey().orElseThrow(),
          config.tlsAllowTls12()));
      ServerSettings settings = new ServerSettings(config.listen().host(), config.listen().port(), tls, dev,
          config.maxRequestBytes(), config.idleTimeout(), ServerSettings.DEFAULT_STOP_TIMEOUT, config.rateLimits());
      AccessControl access = new AccessControl(storage.records(), seal::barrier, crypto, java.time.Clock.systemUTC());
      for (String type : List.of(AccessControl.PRINCIPAL_TYPE, AccessControl.POLICY_TYPE, AccessControl.TOKEN_TYPE,
          AccessControl.TOKEN_ACCESSOR_TYPE, AccessControl.TOKEN_KEY_TYPE)) {
        seal.registerSealedType(type);
      }
      seal.onSeal(access::wipe);
      // Trust stores (SS-002 11.4.5, 11.4.6) and people's second factors (SS-002 11.3.11), under the barrier.
      io.custos.trust.TrustStores trust = new io.custos.trust.TrustStores(storage.records(), seal::barrier, crypto,
          java.time.Clock.systemUTC());
      io.custos.access.SecondFactors secondFactors = new io.custos.access.SecondFactors(storage.records(),
          seal::barrier, crypto, java.time.Clock.systemUTC(), access);
      for (String type : List.of(io.custos.trust.TrustStores.TYPE, io.custos.trust.TrustStores.KEY_TYPE,
          io.custos.access.SecondFactors.TYPE)) {
        seal.registerSealedType(type);
      }
      // A dev server lets requests without credentials act as the dev root; presented credentials count as usual.
      AccessGate base = dev ? AccessGate.devMode(access) : access;
      // Dual control (SS-002 11.3.11): production defaults unless configured; dev servers need none unless configured.
      java.util.concurrent.atomic.AtomicReference<KeyManager> keyOwners = new java.util.concurrent.atomic.AtomicReference<>();
      Approvals approvals = new Approvals(storage.records(), seal::barrier, base,
          resource -> Optional.ofNullable(keyOwners.get()).flatMap(k -> k.ownerOf(resource)),
          new Approvals.Settings(config.approvals().required()
              .orElse(dev ? Map.of() : Approvals.Settings.defaults().required()), config.approvals().expiry()),
          java.time.Clock.systemUTC(), crypto.drbg().asSecureRandom());
      seal.registerSealedType(Approvals.TYPE);
      AccessGate gate = approvals.guard(base);
      io.custos.crypto.AsymmetricProvider asymmetric = AsymmetricProviders.select(config.kmsProvider());
      KeyManager keys = new KeyManager(storage.records(), seal::barrier, crypto, asymmetric,
          config.kmsApprovedAlgorithms().isEmpty() ? AlgorithmPolicy.defaults()
              : AlgorithmPolicy.only(config.kmsApprovedAlgorithms()),
          gate, java.time.Clock.systemUTC());
      opened.add(keys);
      keyOwners.set(keys);
      seal.registerSealedType(KeyManager.KEY_TYPE);
      seal.registerSealedType(KeyManager.MATERIAL_TYPE);
      seal.registerSealedType(KeyManager.TOMBSTONE_TYPE);
      seal.onSeal(keys::wipe);
      io.custos.ca.CertificateAuthority authority = new io.custos.ca.CertificateAuthority(storage.records(),
          seal::barrier, keys, storage.certificates(), gate, io.custos.crypto.SignatureVerifier.of(asymmetric),
          crypto.drbg(), java.time.Clock.systemUTC(), owners(access, dev),
          config.caBaseUrl().orElse((tls.isPresent() ? "https://" : "http://") + config.listen().host() + ":"
              + config.listen().port()), config.caProfiles());
      seal.registerSealedType(io.custos.ca.CertificateAuthority.CA_TYPE);
      seal.registerSealedType(io.custos.ca.CertificateAuthority.PROFILE_TYPE);
      seal.onSeal(authority::forget);
      ScheduledExecutorService maintenance = Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("custos-kms-maintenance").daemon(true).factory());
      opened.add(maintenance::shutdownNow);
      maintenance.scheduleWithFixedDelay(() -> maintainKeys(keys, seal, audit), 1, 60, TimeUnit.SECONDS);
      Metrics metrics = metrics(audit, monitor, central, clock);
      // OCSP (RFC 6960, SS-002 11.6.1): delegated responders, answers kept and re-signed ahead of nextUpdate.
      io.custos.ca.OcspResponder ocsp = new io.custos.ca.OcspResponder(authority, keys, storage.certificates(),
          storage.records(), seal::barrier, audit::record, java.time.Clock.systemUTC(), config.caOcsp());
      seal.registerSealedType(io.custos.ca.OcspResponder.TYPE);
      opened.add(ocsp); // its pre-signing thread
      seal.onSeal(ocsp::wipe);
      long ocspEvery = Math.max(5, Math.min(60, config.caOcsp().responseValidity().toSeconds() / 4));
      maintenance.scheduleWithFixedDelay(() -> refreshOcsp(ocsp, seal), 3, ocspEvery, TimeUnit.SECONDS);
      metrics.gauge("custos_ocsp_cached_responses", "Signed OCSP answers kept, for known and unknown serials",
          List.of("serials"), () -> {
            long[] n = ocsp.cached();
            return Map.of(List.of("known"), (double) n[0], List.of("unknown"), (double) n[1]);
          });
      // Pre-signing (SS-002 11.6.1): below 1, serials beyond ca.ocsp.cache_entries are signed on request.
      metrics.gauge("custos_ocsp_presign_coverage", "Share of known, unexpired serials answered from a pre-signed "
          + "OCSP response (below 1: raise ca.ocsp.cache_entries)", () -> ocsp.coverage().ratio());
      metrics.gauge("custos_ocsp_presign_serials", "Known, unexpired serials of the served CAs, and those with a "
          + "pre-signed answer kept, as the last inventory walk found them", List.of("state"), () -> {
            io.custos.ca.OcspResponder.Coverage c = ocsp.coverage();
            return Map.of(List.of("known"), (double) c.serials(), List.of("kept"), (double) c.kept());
          });
      // Certificate expiry alerts (SS-002 11.5.2), every 10 minutes while unsealed.
      io.custos.ca.ExpiryWatch expiry = new io.custos.ca.ExpiryWatch(storage.certificates(), storage.records(),
          audit::record, config.caExpiryWebhook().<io.custos.ca.ExpiryWatch.AlertSink>map(WebhookAlertSink::new)
              .orElse(io.custos.ca.ExpiryWatch.AlertSink.NONE), config.caExpiryHorizons(), java.time.Clock.systemUTC());
      java.util.concurrent.atomic.AtomicReference<Map<java.time.Duration, Long>> expiring =
          new java.util.concurrent.atomic.AtomicReference<>(Map.of());
      maintenance.scheduleWithFixedDelay(() -> watchExpiry(expiry, seal, expiring), 2, 600, TimeUnit.SECONDS);
      metrics.gauge("custos_certificates_expiring", "Certificates in good standing expiring within each horizon",
          List.of("horizon"), () -> {
            Map<List<String>, Double> out = new java.util.LinkedHashMap<>();
            expiry.horizons().forEach(h -> out.put(List.of(io.custos.ca.ExpiryWatch.horizonText(h)),
                (double) expiring.get().getOrDefault(h, 0L)));
            return out;
          });
      // CRLs (SS-002 11.6.4): signed on a schedule and within seconds of revocations, on their own
      // thread (a million entries take seconds); a CRL not regenerated when due raises alert.crl_stale.
      ScheduledExecutorService crlThread = Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("custos-crl").daemon(true).factory());
      opened.add(crlThread::shutdownNow);
      io.custos.ca.CrlPublisher crls = new io.custos.ca.CrlPublisher(authority, storage.certificates(),
          storage.records(), audit::record, config.caCrl(), java.time.Clock.systemUTC(), Optional.of(crlThread));
      crlThread.scheduleWithFixedDelay(() -> publishCrls(crls), 3, 60, TimeUnit.SECONDS);
      metrics.gauge("custos_crl_age_seconds", "Seconds since each CA's current CRL was signed (SS-002 11.6.4)",
          List.of("ca"), () -> {
            Map<List<String>, Double> out = new java.util.LinkedHashMap<>();
            crls.status().forEach(st -> out.put(List.of(st.ca()), (double) st.age().toSeconds()));
            return out;
          });
      metrics.gauge("custos_crl_stale", "1 when a CA's CRL was not regenerated in time (SS-002 11.6.4)",
          List.of("ca"), () -> {
            Map<List<String>, Double> out = new java.util.LinkedHashMap<>();
            crls.status().forEach(st -> out.put(List.of(st.ca()), st.stale() ? 1.0 : 0.0));
            return out;
          });
      // Fail closed: a node that cannot audit its own start does not start.
      audit.record(systemEvent("server.start", Map.of("version", VersionInfo.CURRENT.version(),
          "commit", VersionInfo.CURRENT.commit(), "dev_mode", String.valueOf(dev), "storage", storage.kind())));
      Optional<Seal.InitResult> devInit = Optional.empty();
      if (dev && seal.state() == SystemState.UNINITIALISED) {
        // Like `vault server -dev`: one share, unsealed at once. Never for production.
        Seal.InitResult init = seal.init(1, 1, true, devRootToken);
        audit.record(systemEvent("operator.init", Map.of("shares", "1", "threshold", "1", "dev_mode", "true")));
        seal.unseal(init.shares().getFirst());
        audit.record(systemEvent("operator.unseal", Map.of("dev_mode", "true")));
        devInit = Optional.of(init);
      }
      Optional<String> devCa = dev && seal.state() == SystemState.UNSEALED ? DevCa.ensure(authority, audit)
          : Optional.empty();
      ApiServer server = ApiServer.start(settings, VersionInfo.CURRENT.version(), health,
          List.of(SealRoutes.module(seal, audit, gate, dev, crypto, asymmetric), AuditRoutes.module(audit, keyring, gate, dev),
              io.custos.server.AuditImportRoutes.module(new io.custos.audit.OfflineLogImport(storage.records(), audit),
                  audit, gate, dev),
              KeyRoutes.module(keys, audit, gate, dev), AccessRoutes.module(access, approvals, audit, gate, dev),
              ApprovalRoutes.module(approvals, audit, gate, dev),
              io.custos.server.TrustRoutes.module(trust, audit, gate, dev),
              io.custos.server.TotpRoutes.module(secondFactors, audit, gate, dev),
              io.custos.server.CaRoutes.module(authority, storage.certificates(), audit, gate, dev,
                  new io.custos.ca.PracticeStatement.Schedule(config.caCrl().nextUpdate(),
                      config.caCrl().regenerateEvery(), Optional.of(config.caOcsp().responseValidity()),
                      config.caExpiryHorizons())),
              io.custos.server.OcspRoutes.module(ocsp, metrics),
              io.custos.server.CrlRoutes.module(authority, crls, audit, gate, dev),
              compromiseRoutes(config, authority, keys, storage, access, audit, gate, dev)),
          metrics, new io.custos.trust.ClientCertificates(access, trust));
      Node node = new Node(storage, keyring, audit, monitor, central, server, seal, devInit, keys, maintenance);
      node.devCa = devCa;
      node.crlThread = Optional.of(crlThread);
      node.ocspPresigner = Optional.of(ocsp);
      return node;
    } catch (RuntimeException e) {
      closeAll(opened.reversed());
      throw e;
    }
  }

  /** Key compromise: declaring it (SS-002 11.6.1–11.6.2) and the recovery plan (11.6.3), from configuration. */
  private static io.custos.server.RouteModule compromiseRoutes(CustosConfig config,
      io.custos.ca.CertificateAuthority authority, KeyManager keys, Storage storage, AccessControl access, AuditLog audit,
      io.custos.access.AccessGate gate, boolean dev) {
    java.util.Set<String> availabilityFirst = java.util.Set.copyOf(config.compromiseAvailabilityFirst());
    io.custos.ca.Compromise compromise = new io.custos.ca.Compromise(authority, keys, storage.certificates(), access, gate,
        new io.custos.ca.Compromise.Settings(availabilityFirst));
    io.custos.ca.RecoveryPlan plans = new io.custos.ca.RecoveryPlan(authority, keys, storage.certificates(), access, audit,
        gate, new io.custos.ca.RecoveryPlan.Settings(config.compromiseContacts(), availabilityFirst),
        java.time.Clock.systemUTC());
    return io.custos.server.CompromiseRoutes.module(compromise, plans, audit, gate, dev);
  }

  /**
   * Certificate owners are principals, with their name and contact (SS-002 11.5.2). A dev server
   * also knows its dev root, which has no principal record.
   */
  private static java.util.function.Function<String, Optional<io.custos.ca.CertificateAuthority.Owner>> owners(
      AccessControl access, boolean dev) {
    return id -> {
      if (dev && id.equals("dev-root")) {
        return Optional.of(new io.custos.ca.CertificateAuthority.Owner("dev-root", "Dev root", "dev@localhost"));
      }
      return access.principal(id).map(p -> new io.custos.ca.CertificateAuthority.Owner(p.id(), p.displayName(),
          p.email()));
    };
  }

  private static Metrics metrics(AuditLog audit, AuditMonitor monitor, Optional<CentralLogging> central,
      InstantSource clock) {
    Metrics m = new Metrics();
    m.gauge("custos_build_info", "Release and commit of this node", List.of("version", "commit"),
        () -> Map.of(List.of(VersionInfo.CURRENT.version(), VersionInfo.CURRENT.commit()), 1.0));
    Metrics.Counter ops = m.counter("custos_operations_total", "Audited operations by action and outcome",
        "action", "outcome");
    audit.onCommit(events -> events.forEach(e -> ops.inc(e.action(), e.outcome().name().toLowerCase(java.util.Locale.ROOT))));
    m.gauge("custos_audit_events", "Events in the audit log", () -> (double) audit.size());
    m.gauge("custos_audit_checkpoint_size", "Tree size of the latest signed checkpoint",
        () -> audit.latestCheckpoint().map(c -> (double) c.checkpoint().size()).orElse(0.0));
    m.gauge("custos_audit_checkpoint_age_seconds", "Seconds since the latest signed checkpoint",
        () -> audit.latestCheckpoint().map(c -> (clock.millis() - c.checkpoint().time().toEpochMilli()) / 1000.0)
            .orElse(0.0));
    m.gauge("custos_audit_unsigned_events", "Events not yet under a signed checkpoint",
        () -> (double) (audit.size() - audit.latestCheckpoint().map(c -> c.checkpoint().size()).orElse(0L)));
    m.gauge("custos_alerts_recorded", "Anomaly alerts recorded since start", () -> (double) monitor.alerts());
    m.gauge("custos_monitor_dropped_events", "Events the anomaly monitor could not examine", () -> (double) monitor.dropped());
    central.ifPresent(c -> m.gauge("custos_central_log_backlog", "Events a central-log sink has yet to deliver",
        List.of("sink"), () -> {
          Map<List<String>, Double> out = new java.util.LinkedHashMap<>();
          c.backlogs().forEach((sink, n) -> out.put(List.of(sink), (double) n));
          return out;
        }));
    return m;
  }

  /**
   * Scheduled key work while unsealed: activation dates reached, rotations due, retention ended
   * (SS-002 11.4.3). Each action is an audit event of the system principal.
   */
  private static void maintainKeys(KeyManager keys, Seal seal, AuditLog audit) {
    if (seal.state() != SystemState.UNSEALED) {
      return;
    }
    try {
      for (KeyManager.MaintenanceAction a : keys.maintain()) {
        boolean failed = a.action().endsWith("_failed");
        audit.record(new AuditDraft(UUID.randomUUID().toString(), SYSTEM, a.action(), "kms/keys/" + a.key(),
            failed ? AuditEvent.Outcome.ERROR : AuditEvent.Outcome.OK,
            Optional.ofNullable(a.details().get("control")), "", a.details()));
      }
    } catch (RuntimeException e) {
      // Sealed meanwhile, or the store is away: the next run tries again.
      org.slf4j.LoggerFactory.getLogger(Node.class).warn("key maintenance did not run: {}", e.getMessage());
    }
  }

  /** Scheduled OCSP work while unsealed: responders made and rotated, kept answers re-signed. */
  private static void refreshOcsp(io.custos.ca.OcspResponder ocsp, Seal seal) {
    if (seal.state() != SystemState.UNSEALED) {
      return;
    }
    try {
      ocsp.refresh();
    } catch (RuntimeException e) {
      org.slf4j.LoggerFactory.getLogger(Node.class).warn("OCSP refresh did not run: {}", e.getMessage());
    }
  }

  /** Scheduled CRLs: new bases when due, stale alerts when they cannot be signed (sealed, store away). */
  private static void publishCrls(io.custos.ca.CrlPublisher crls) {
    try {
      crls.runDue();
    } catch (RuntimeException e) {
      org.slf4j.LoggerFactory.getLogger(Node.class).warn("CRL schedule did not run: {}", e.getMessage());
    }
  }

  /** Scheduled expiry alerts while unsealed; the counts feed custos_certificates_expiring. */
  private static void watchExpiry(io.custos.ca.ExpiryWatch expiry, Seal seal,
      java.util.concurrent.atomic.AtomicReference<Map<java.time.Duration, Long>> expiring) {
    if (seal.state() != SystemState.UNSEALED) {
      return;
    }
    try {
      expiring.set(expiry.run().expiring());
    } catch (RuntimeException e) {
      org.slf4j.LoggerFactory.getLogger(Node.class).warn("certificate expiry alerts did not run: {}", e.getMessage());
    }
  }

  private static AuditDraft systemEvent(String action, Map<String, String> params) {
    return AuditDraft.ok(UUID.randomUUID().toString(), SYSTEM, action, "system", "", params);
  }

  String address() {
    return server.address().toString();
  }

  /** Dev mode: the issuing CA made at first start, for the banner's how-to. */
  Optional<String> devCa() {
    return devCa;
  }

  String storageKind() {
    return storage.kind();
  }

  /** Dev mode on a fresh store: the one unseal share and the root token it was initialised with. */
  Optional<Seal.InitResult> devInit() {
    return devInit;
  }

  /** "METHOD /path" of every route the API serves. */
  List<String> registeredRoutes() {
    return server.registeredRoutes();
  }

  io.custos.system.SystemState sealState() {
    return seal.state();
  }

  long auditSize() {
    return audit.size();
  }

  /** Stops the API (letting in-flight requests finish), records the stop, closes the store. */
  @Override
  public void close() {
    try {
      server.stop();
      audit.record(systemEvent("server.stop", Map.of("version", VersionInfo.CURRENT.version())));
    } finally {
      List<AutoCloseable> rest = new ArrayList<>();
      rest.add(maintenance::shutdownNow);
      ocspPresigner.ifPresent(rest::add); // no OCSP answer is signed once the store closes
      crlThread.ifPresent(t -> rest.add(t::shutdownNow)); // no CRL is signed once the store closes
      rest.add(keys); // key material in memory is overwritten
      rest.add(monitor);
      central.ifPresent(rest::add); // delivers what it can before the store closes
      rest.addAll(List.of(audit, seal, keyring, storage)); // the final checkpoint is signed before the seal wipes the key
      closeAll(rest);
    }
  }

  private static void closeAll(List<AutoCloseable> resources) {
    for (AutoCloseable r : resources) {
      try {
        r.close();
      } catch (Exception e) {
        // keep closing the rest
      }
    }
  }

  static Path devDatabase(Path dataDir) {
    return ((StorageUrl.Sqlite) StorageUrl.inDataDir(dataDir)).file();
  }
}
