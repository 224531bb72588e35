package io.custos.app.config;

import io.custos.store.StorageUrl;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The server's configuration after the file, the environment and the flags are merged.
 *
 * @param storage empty means the default, a SQLite file in the data directory
 * @param kmsProvider who performs asymmetric key operations: auto, accp or jdk
 * @param kmsApprovedAlgorithms the algorithms keys may have; empty means every one Custos implements
 * @param approvals dual control: which capabilities need how many approvals (SS-002 11.3.11)
 * @param rateLimits request rate limits per client address and per principal
 * @param tlsAllowTls12 whether TLS 1.2 (forward-secret AEAD suites only) is offered beside TLS 1.3
 * @param caBaseUrl {@code ca.base_url}: the address written into certificates (CRL, OCSP, caIssuers); default the listen address
 * @param caExpiryHorizons when certificate owners are warned of expiry (SS-002 11.5.2), largest first
 * @param caExpiryWebhook where expiry alerts are also POSTed as JSON, if anywhere
 * @param caProfiles {@code ca.profiles}: custom certificate profiles, checked at load (SS-002 11.1.6, 11.1.8);
 *     read-only at run time
 * @param caOcsp {@code ca.ocsp.*}: response validity, responder certificate lifetime, nonces, cache size
 * @param caCrl {@code ca.crl_next_update} and {@code ca.crl_regenerate_every}: CRL validity and schedule (SS-002 11.6.4)
 * @param compromiseAvailabilityFirst {@code compromise.availability_first}: key and CA names the key compromise
 *     recovery plan keeps in service while recovering; declaring their compromise needs an explicit override (SS-002 11.6.2)
 * @param compromiseContacts {@code compromise.contacts}: security contacts named in every recovery plan (SS-002 11.6.3)
 */
public record CustosConfig(
    Path dataDir,
    HostPort listen,
    Optional<Path> tlsCert,
    Optional<Path> tlsKey,
    Optional<StorageUrl> storage,
    LogFormat logFormat,
    String logLevel,
    long maxRequestBytes,
    Duration idleTimeout,
    Optional<Path> auditFile,
    Optional<HostPort> auditSyslog,
    Optional<Path> auditSyslogCa,
    int auditCheckpointEvery,
    Duration auditCheckpointInterval,
    io.custos.monitor.MonitorSettings monitor,
    String kmsProvider,
    java.util.List<String> kmsApprovedAlgorithms,
    Approvals approvals,
    io.custos.server.RateLimits rateLimits,
    boolean tlsAllowTls12,
    Optional<String> caBaseUrl,
    java.util.List<Duration> caExpiryHorizons,
    Optional<java.net.URI> caExpiryWebhook,
    java.util.List<io.custos.x509.Profile> caProfiles,
    io.custos.ca.OcspResponder.Settings caOcsp,
    io.custos.ca.CrlPublisher.Settings caCrl,
    java.util.List<String> compromiseAvailabilityFirst,
    java.util.List<String> compromiseContacts) {

  public enum LogFormat { PLAIN, JSON }

  public static final Path DEFAULT_DATA_DIR = Path.of("/var/lib/custos");
  public static final HostPort DEFAULT_LISTEN = new HostPort("127.0.0.1", 8200);

  public CustosConfig {
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(tlsCert, "tlsCert");
    Objects.requireNonNull(tlsKey, "tlsKey");
    Objects.requireNonNull(storage, "storage");
    Objects.requireNonNull(logFormat, "logFormat");
    Objects.requireNonNull(logLevel, "logLevel");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(auditFile, "auditFile");
    Objects.requireNonNull(auditSyslog, "auditSyslog");
    Objects.requireNonNull(auditSyslogCa, "auditSyslogCa");
    Objects.requireNonNull(auditCheckpointInterval, "auditCheckpointInterval");
    Objects.requireNonNull(monitor, "monitor");
    Objects.requireNonNull(kmsProvider, "kmsProvider");
    kmsApprovedAlgorithms = java.util.List.copyOf(kmsApprovedAlgorithms);
    Objects.requireNonNull(approvals, "approvals");
    Objects.requireNonNull(rateLimits, "rateLimits");
    Objects.requireNonNull(caBaseUrl, "caBaseUrl");
    caExpiryHorizons = java.util.List.copyOf(caExpiryHorizons);
    Objects.requireNonNull(caExpiryWebhook, "caExpiryWebhook");
    caProfiles = java.util.List.copyOf(caProfiles);
    Objects.requireNonNull(caOcsp, "caOcsp");
    Objects.requireNonNull(caCrl, "caCrl");
    compromiseAvailabilityFirst = java.util.List.copyOf(compromiseAvailabilityFirst);
    compromiseContacts = java.util.List.copyOf(compromiseContacts);
  }

  /**
   * {@code access.approvals} and {@code access.approval_expiry}.
   *
   * @param required capability to approvals needed; empty when not configured (production
   *     servers then use the defaults, dev servers need none)
   */
  public record Approvals(Optional<java.util.Map<String, Integer>> required, Duration expiry) {
    public Approvals {
      required = required.map(java.util.Map::copyOf);
      Objects.requireNonNull(expiry, "expiry");
    }

    public static Approvals unconfigured() {
      return new Approvals(Optional.empty(), io.custos.access.Approvals.DEFAULT_EXPIRY);
    }
  }

  /** A configuration with the default rate limits. */
  public CustosConfig(Path dataDir, HostPort listen, Optional<Path> tlsCert, Optional<Path> tlsKey,
      Optional<StorageUrl> storage, LogFormat logFormat, String logLevel, long maxRequestBytes, Duration idleTimeout,
      Optional<Path> auditFile, Optional<HostPort> auditSyslog, Optional<Path> auditSyslogCa, int auditCheckpointEvery,
      Duration auditCheckpointInterval, io.custos.monitor.MonitorSettings monitor, String kmsProvider,
      java.util.List<String> kmsApprovedAlgorithms) {
    this(dataDir, listen, tlsCert, tlsKey, storage, logFormat, logLevel, maxRequestBytes, idleTimeout, auditFile,
        auditSyslog, auditSyslogCa, auditCheckpointEvery, auditCheckpointInterval, monitor, kmsProvider,
        kmsApprovedAlgorithms, Approvals.unconfigured(), io.custos.server.RateLimits.defaults(), false,
        Optional.empty(), io.custos.ca.ExpiryWatch.DEFAULT_HORIZONS, Optional.empty(), java.util.List.of(),
        io.custos.ca.OcspResponder.Settings.defaults(),
        io.custos.ca.CrlPublisher.Settings.DEFAULTS, java.util.List.of(),
        java.util.List.of());
  }

  /** The store to open: the configured URL, or {@code sqlite:<dataDir>/custos.db}. */
  public StorageUrl storageUrl() {
    return storage.orElseGet(() -> StorageUrl.inDataDir(dataDir));
  }
}
