package io.custos.server;

import io.custos.access.AccessGate;
import io.custos.access.Caller;
import io.custos.audit.AuditLog;
import io.custos.barrier.Barrier;
import io.custos.barrier.BarrierKeyring;
import io.custos.ca.CertificateAuthority;
import io.custos.crypto.AsymmetricProvider;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.SignatureVerifier;
import io.custos.kms.AlgorithmPolicy;
import io.custos.kms.KeyManager;
import io.custos.store.Storage;
import io.custos.store.StorageUrl;
import io.custos.store.jdbc.JdbcStorage;
import io.custos.x509.CaLevel;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * An online CA hierarchy for route tests, on a real SQLite store under the barrier with an audit
 * log: a dev root {@code root} (ECDSA P-384) and P-256 issuing CAs it signed, in dev-mode access.
 */
final class TestCa implements AutoCloseable {
  static final Caller ROOT = new Caller("dev-root", "dev-mode", "", "setup");
  final Barrier barrier;
  final Storage storage;
  final AuditLog log;
  final AccessGate gate = AccessGate.devMode();
  final KeyManager keys;
  final CertificateAuthority ca;

  /**
   * @param owners the principals certificates may be issued to, with their contacts
   * @param issuing the issuing CAs to create, each named {@code CN=<name>} unless it is "issuing"
   */
  TestCa(Path dir, CryptoModule module, AsymmetricProvider provider,
      Function<String, Optional<CertificateAuthority.Owner>> owners, String... issuing) {
    barrier = new Barrier(BarrierKeyring.create(module));
    storage = JdbcStorage.open(StorageUrl.inDataDir(dir), TestNode.VERSION.version(), InstantSource.system());
    log = AuditLog.open(storage.audit(), Optional.empty(), "test", "test", InstantSource.system(),
        AuditLog.Settings.defaults());
    keys = new KeyManager(storage.records(), () -> barrier, module, provider, AlgorithmPolicy.defaults(), gate,
        Clock.systemUTC());
    ca = new CertificateAuthority(storage.records(), () -> barrier, keys, storage.certificates(), gate,
        SignatureVerifier.of(provider), module.drbg(), Clock.systemUTC(), owners, "http://127.0.0.1:8200", List.of());
    ca.createDevRoot(ROOT, "root", "ecdsa-p384", "CN=Test Root", Duration.ofDays(3650));
    for (String name : issuing) {
      ca.create(ROOT, name, CaLevel.SUBORDINATE, "ecdsa-p256", name.equals("issuing") ? "CN=Test Issuing" : "CN=" + name);
      ca.signSubordinate(ROOT, "root", name, Duration.ofDays(3 * 365));
    }
  }

  /** Every principal is an owner, named "Owner id" with the contact id@example.com. */
  static Optional<CertificateAuthority.Owner> anyOwner(String id) {
    return Optional.of(new CertificateAuthority.Owner(id, "Owner " + id, id + "@example.com"));
  }

  @Override
  public void close() {
    keys.close();
    log.close();
    storage.close();
    barrier.close();
  }
}
