package io.custos.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.TestClocks;
import io.custos.access.AccessControl;
import io.custos.access.Caller;
import io.custos.access.Principal;
import io.custos.access.PrincipalKind;
import io.custos.audit.AuditDraft;
import io.custos.barrier.Barrier;
import io.custos.barrier.BarrierKeyring;
import io.custos.crypto.AsymmetricProvider;
import io.custos.crypto.AsymmetricProviders;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import io.custos.crypto.SignatureVerifier;
import io.custos.failure.ConflictException;
import io.custos.failure.ControlViolationException;
import io.custos.failure.InvalidInputException;
import io.custos.failure.NotFoundException;
import io.custos.failure.UnavailableException;
import io.custos.kms.AlgorithmPolicy;
import io.custos.kms.KeyManager;
import io.custos.store.CertificateRecords;
import io.custos.store.MemoryCertificateRecords;
import io.custos.store.MemoryRecordStore;
import io.custos.x509.CaLevel;
import io.custos.x509.Crls;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.IssuingDistributionPoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CrlPublisherTest {
  private static final CryptoModule MODULE = FipsCryptoModule.start();
  private static final AsymmetricProvider PROVIDER = AsymmetricProviders.select("auto");
  private static final String BASE = "http://127.0.0.1:8200";
  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
  private final java.time.Clock clock = TestClocks.following(now::get);
  private final MemoryRecordStore records = new MemoryRecordStore();
  private final Barrier barrier = new Barrier(BarrierKeyring.create(MODULE));
  private final AtomicBoolean sealed = new AtomicBoolean();
  private final MemoryCertificateRecords certs = new MemoryCertificateRecords();
  private final AccessControl access = new AccessControl(records, () -> barrier, MODULE, clock);
  private final List<AuditDraft> audit = Collections.synchronizedList(new ArrayList<>());
  private KeyManager keys;
  private CertificateAuthority ca;
  private Caller officer;
  private int nextSerial = 0x1000;

  @BeforeEach
  void setUp() {
    java.util.function.Supplier<Barrier> b = () -> {
      if (sealed.get()) {
        throw new UnavailableException("sealed");
      }
      return barrier;
    };
    keys = new KeyManager(records, b, MODULE, PROVIDER, AlgorithmPolicy.defaults(), access, clock);
    ca = new CertificateAuthority(records, b, keys, certs, access, SignatureVerifier.of(PROVIDER), MODULE.drbg(), clock,
        id -> Optional.empty(), BASE, List.of());
    access.createPrincipal(new Principal("alice", PrincipalKind.PERSON, "Alice Officer", "alice@example.com",
        Optional.empty(), List.of("crypto-officer"), List.of(), List.of(), false, now.get()));
    officer = new Caller("alice", "token", "", "r", Optional.of(now.get()));
    ca.createDevRoot(officer, "root", "ecdsa-p384", "CN=Test Root,O=Example Ltd,C=GB", Duration.ofDays(365 * 10));
    ca.create(officer, "issuing", CaLevel.SUBORDINATE, "ecdsa-p256", "CN=Test Issuing,O=Example Ltd,C=GB");
    ca.signSubordinate(officer, "root", "issuing", Duration.ofDays(365 * 3));
  }

  @AfterEach
  void tearDown() {
    keys.close();
    barrier.close();
  }

  private CrlPublisher publisher(Optional<ScheduledExecutorService> executor, Duration coalesce) {
    return new CrlPublisher(ca, certs, records, audit::add, new CrlPublisher.Settings(Duration.ofHours(24),
        Duration.ofHours(6), coalesce), clock, executor);
  }

  /** A certificate of CA issuing in the inventory (the CRL lists serials; no need to sign each one). */
  private String certificate() {
    String serial = Integer.toHexString(nextSerial++);
    byte[] spki = new byte[32];
    spki[0] = (byte) nextSerial;
    spki[1] = (byte) (nextSerial >> 8);
    certs.add(new CertificateRecords.CertificateRow(serial, "issuing", "web", "Web", "web@example.com", "tls-server",
        "CN=" + serial, List.of(), spki, now.get(), now.get().plus(Duration.ofDays(90)), now.get(), "good",
        Optional.empty(), Optional.empty(), new byte[] {0x30, 0x00}));
    return serial;
  }

  private X509Certificate issuingCert() throws Exception {
    return x509(ca.chain("issuing").getFirst());
  }

  private static X509Certificate x509(byte[] der) throws Exception {
    return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
  }

  private static X509CRL crl(CrlPublisher.Published p) throws Exception {
    return (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(p.der()));
  }

  private static BigInteger number(X509CRL crl, String oid) {
    byte[] ext = crl.getExtensionValue(oid);
    return CRLNumber.getInstance(ASN1OctetString.getInstance(ext).getOctets()).getCRLNumber();
  }

  private static String reason(X509CRLEntry e) {
    return e.getRevocationReason() == null ? "unspecified" : e.getRevocationReason().name();
  }

  @Test
  @DisplayName("SS-002 11.6.4 — a revocation is in the CA's next CRL: RFC 5280 v2, signed by the CA, CRL number, AKI, "
      + "issuing distribution point and Freshest CRL")
  void revocationInNextCrl() throws Exception {
    CrlPublisher crls = publisher(Optional.empty(), Duration.ZERO);
    String good = certificate();
    String bad = certificate();
    X509CRL first = crl(crls.full("issuing").orElseThrow());
    assertThat(first.getRevokedCertificates()).isNull();

    CertificateAuthority.Revocation r = ca.revoke(officer, bad, "keyCompromise");
    assertThat(r.changed()).isTrue();
    assertThat(crls.pending()).containsExactly("issuing");
    assertThat(crls.publishPending("issuing")).isTrue();

    X509CRL next = crl(crls.full("issuing").orElseThrow());
    next.verify(issuingCert().getPublicKey());
    assertThat(next.getVersion()).isEqualTo(2);
    assertThat(next.getIssuerX500Principal()).isEqualTo(issuingCert().getSubjectX500Principal());
    assertThat(next.getRevokedCertificate(new BigInteger(bad, 16))).isNotNull()
        .satisfies(e -> assertThat(reason(e)).isEqualTo("KEY_COMPROMISE"));
    assertThat(next.getRevokedCertificate(new BigInteger(good, 16))).isNull();
    assertThat(number(next, "2.5.29.20")).isGreaterThan(number(first, "2.5.29.20"));
    assertThat(next.getExtensionValue("2.5.29.35")).as("authority key identifier").isNotNull();
    assertThat(next.getCriticalExtensionOIDs()).contains("2.5.29.28");
    IssuingDistributionPoint idp = IssuingDistributionPoint.getInstance(
        ASN1OctetString.getInstance(next.getExtensionValue("2.5.29.28")).getOctets());
    assertThat(GeneralNames.getInstance(idp.getDistributionPoint().getName()).getNames()[0].getName().toString())
        .isEqualTo(BASE + "/v1/ca/issuing/crl");
    CRLDistPoint freshest = CRLDistPoint.getInstance(
        ASN1OctetString.getInstance(next.getExtensionValue("2.5.29.46")).getOctets());
    assertThat(GeneralNames.getInstance(freshest.getDistributionPoints()[0].getDistributionPoint().getName())
        .getNames()[0].getName().toString()).isEqualTo(BASE + "/v1/ca/issuing/crl/delta");
    assertThat(Duration.between(next.getThisUpdate().toInstant(), next.getNextUpdate().toInstant()))
        .isEqualTo(Duration.ofHours(24));
    assertThat(audit).extracting(AuditDraft::action).contains("crl.published");
  }

  @Test
  @DisplayName("SS-002 11.6.4 — the delta CRL names its base and lists every change since it, a released hold as "
      + "removeFromCRL")
  void deltaCrl() throws Exception {
    CrlPublisher crls = publisher(Optional.empty(), Duration.ZERO);
    String held = certificate();
    String revoked = certificate();
    CrlPublisher.Published base = crls.full("issuing").orElseThrow();
    now.set(now.get().plusSeconds(60));
    ca.revoke(officer, held, "certificateHold");
    ca.revoke(officer, revoked, "superseded");
    crls.publishPending("issuing");
    X509CRL delta = crl(crls.delta("issuing").orElseThrow());
    delta.verify(issuingCert().getPublicKey());
    assertThat(delta.getCriticalExtensionOIDs()).contains("2.5.29.27");
    assertThat(number(delta, "2.5.29.27")).as("delta CRL indicator = base CRL number").isEqualTo(base.number());
    assertThat(reason(delta.getRevokedCertificate(new BigInteger(held, 16)))).isEqualTo("CERTIFICATE_HOLD");
    assertThat(reason(delta.getRevokedCertificate(new BigInteger(revoked, 16)))).isEqualTo("SUPERSEDED");

    now.set(now.get().plusSeconds(60));
    ca.revoke(officer, held, "removeFromCRL");
    crls.publishPending("issuing");
    X509CRL full = crl(crls.full("issuing").orElseThrow());
    X509CRL delta2 = crl(crls.delta("issuing").orElseThrow());
    assertThat(full.getRevokedCertificate(new BigInteger(held, 16))).as("released: off the full CRL").isNull();
    assertThat(reason(delta2.getRevokedCertificate(new BigInteger(held, 16)))).isEqualTo("REMOVE_FROM_CRL");
    assertThat(number(delta2, "2.5.29.20")).isGreaterThan(number(full, "2.5.29.20"));
    assertThat(number(delta2, "2.5.29.27")).isEqualTo(base.number());
  }

  @Test
  @DisplayName("SS-002 11.6.4 — CRLs are regenerated on schedule, well before nextUpdate, and CRL numbers survive a restart")
  void schedule() throws Exception {
    CrlPublisher crls = publisher(Optional.empty(), Duration.ZERO);
    assertThat(crls.runDue()).containsExactlyInAnyOrder("root", "issuing");
    BigInteger n1 = crls.full("issuing").orElseThrow().number();
    now.set(now.get().plus(Duration.ofHours(5)));
    assertThat(crls.runDue()).as("not due after 5 h").isEmpty();
    now.set(now.get().plus(Duration.ofHours(1)));
    assertThat(crls.runDue()).as("due after 6 h").containsExactlyInAnyOrder("root", "issuing");
    CrlPublisher.Published second = crls.full("issuing").orElseThrow();
    assertThat(second.number()).isGreaterThan(n1);
    assertThat(second.thisUpdate()).isEqualTo(now.get());
    assertThat(second.nextUpdate()).isEqualTo(now.get().plus(Duration.ofHours(24)));
    assertThat(crls.status()).allSatisfy(s -> assertThat(s.stale()).isFalse());

    CrlPublisher restarted = publisher(Optional.empty(), Duration.ZERO);
    assertThat(restarted.full("issuing").orElseThrow().number()).as("numbers are persisted, never reused")
        .isGreaterThan(crls.delta("issuing").orElseThrow().number());
  }

  @Test
  @DisplayName("SS-002 11.6.4 — a burst of revocations is published as one new CRL within seconds; revoking does not wait")
  void coalescing() throws Exception {
    ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
    try {
      CrlPublisher crls = publisher(Optional.of(executor), Duration.ofMillis(300));
      List<String> serials = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        serials.add(certificate());
      }
      crls.full("issuing").orElseThrow();
      int before = crls.signed();
      for (String s : serials) {
        ca.revoke(officer, s, "cessationOfOperation");
      }
      assertThat(crls.signed()).as("the revoking calls returned before any signing").isEqualTo(before);
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (crls.signed() == before && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Thread.sleep(400); // a second, superfluous regeneration would have started by now
      assertThat(crls.signed()).as("one CRL for the whole burst").isEqualTo(before + 1);
      X509CRL crl = crl(crls.full("issuing").orElseThrow());
      assertThat(crl.getRevokedCertificates()).hasSize(40);
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  @DisplayName("SS-002 11.6.4 — a CRL that cannot be regenerated when due (CA key sealed away) raises a stale CRL alert, once")
  void staleAlert() {
    CrlPublisher crls = publisher(Optional.empty(), Duration.ZERO);
    crls.runDue();
    sealed.set(true);
    now.set(now.get().plus(Duration.ofHours(7)));
    assertThat(crls.runDue()).isEmpty();
    crls.runDue();
    assertThat(audit).filteredOn(a -> a.action().equals("alert.crl_stale")).hasSize(2) // root and issuing, once each
        .allSatisfy(a -> {
          assertThat(a.control()).contains("SS-002 11.6.4");
          assertThat(a.params().get("message")).startsWith("SS-002 11.6.4: the CRL of CA");
        });
    assertThat(crls.status()).allSatisfy(s -> {
      assertThat(s.stale()).isTrue();
      assertThat(s.age()).isEqualTo(Duration.ofHours(7));
    });
    sealed.set(false);
    crls.runDue();
    assertThat(crls.status()).allSatisfy(s -> assertThat(s.stale()).isFalse());
    assertThat(audit).extracting(AuditDraft::action).contains("crl.fresh");
  }

  @Test
  @DisplayName("SS-002 11.6.1 — bad input changes nothing: double revocation, unknown serial, invalid reason leave the CRL as it is")
  void badInput() throws Exception {
    CrlPublisher crls = publisher(Optional.empty(), Duration.ZERO);
    String s = certificate();
    ca.revoke(officer, s, "keyCompromise");
    crls.publishPending("issuing");
    int signed = crls.signed();
    CertificateAuthority.Revocation again = ca.revoke(officer, s, "keyCompromise");
    assertThat(again.changed()).isFalse();
    assertThatThrownBy(() -> ca.revoke(officer, "abcdef0123", "keyCompromise")).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> ca.revoke(officer, s, "lostIt")).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("keyCompromise");
    assertThat(crls.pending()).isEmpty();
    assertThat(crls.publishPending("issuing")).isFalse();
    assertThat(crls.signed()).isEqualTo(signed);
    X509CRL crl = crl(crls.full("issuing").orElseThrow());
    assertThat(crl.getRevokedCertificates()).hasSize(1);
    assertThat(reason(crl.getRevokedCertificate(new BigInteger(s, 16)))).isEqualTo("KEY_COMPROMISE");
  }

  @Test
  @DisplayName("SS-002 11.6.4 — the offline root's CRL is imported only with the root's signature and a CRL number "
      + "that does not go back")
  void importRootCrl() throws Exception {
    CrlPublisher crls = publisher(Optional.empty(), Duration.ZERO);
    Instant t = now.get();
    byte[] crl5 = Crls.sign(ca.crlIssuer("root"), t, t.plus(Duration.ofDays(30)), BigInteger.valueOf(5),
        List.of(new Crls.Revoked(BigInteger.valueOf(77), t, "cACompromise")));
    CrlPublisher.Published p = crls.importCrl("offline-root", crl5);
    assertThat(p.number()).isEqualTo(5);
    assertThat(crls.full("offline-root").orElseThrow().der()).isEqualTo(crl5);
    assertThat(crls.delta("offline-root")).isEmpty();

    byte[] crl4 = Crls.sign(ca.crlIssuer("root"), t, t.plus(Duration.ofDays(30)), BigInteger.valueOf(4), List.of());
    assertThatThrownBy(() -> crls.importCrl("offline-root", crl4)).isInstanceOf(ControlViolationException.class)
        .hasMessageContaining("SS-002 11.6.4").hasMessageContaining("lower");
    byte[] byIssuing = Crls.sign(ca.crlIssuer("issuing"), t, t.plus(Duration.ofDays(30)), BigInteger.valueOf(9),
        List.of());
    assertThatThrownBy(() -> crls.importCrl("offline-root", byIssuing)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("not signed by the root");
    byte[] expired = Crls.sign(ca.crlIssuer("root"), t.minus(Duration.ofDays(2)), t.minus(Duration.ofDays(1)),
        BigInteger.valueOf(10), List.of());
    assertThatThrownBy(() -> crls.importCrl("offline-root", expired)).isInstanceOf(ControlViolationException.class)
        .hasMessageContaining("has passed");
    assertThatThrownBy(() -> crls.importCrl("offline-root", "garbage".getBytes()))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> crls.importCrl("issuing", crl5)).isInstanceOf(ConflictException.class);
    byte[] tampered = crl5.clone();
    tampered[tampered.length - 5] ^= 1;
    assertThatThrownBy(() -> crls.importCrl("offline-root", tampered)).isInstanceOf(InvalidInputException.class);
    assertThat(crls.full("offline-root").orElseThrow().number()).as("nothing changed").isEqualTo(5);

    now.set(t.plus(Duration.ofDays(31)));
    crls.runDue();
    assertThat(audit).filteredOn(a -> a.action().equals("alert.crl_stale") && a.resource().equals("ca/offline-root/crl"))
        .singleElement().satisfies(a -> assertThat(a.params().get("message")).contains("custos ceremony crl"));
    assertThat(crls.status()).filteredOn(st -> st.ca().equals("offline-root")).singleElement()
        .satisfies(st -> assertThat(st.stale()).isTrue());
  }
}
