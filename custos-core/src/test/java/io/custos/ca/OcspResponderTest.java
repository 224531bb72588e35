package io.custos.ca;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.TestClocks;
import io.custos.access.AccessControl;
import io.custos.access.Caller;
import io.custos.access.Grant;
import io.custos.access.Policy;
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
import io.custos.kms.AlgorithmPolicy;
import io.custos.kms.KeyManager;
import io.custos.store.MemoryCertificateRecords;
import io.custos.store.MemoryRecordStore;
import io.custos.x509.CaLevel;
import io.custos.x509.Ocsp;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.ocsp.CertID;
import org.bouncycastle.asn1.ocsp.OCSPRequest;
import org.bouncycastle.asn1.ocsp.Request;
import org.bouncycastle.asn1.ocsp.TBSRequest;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class OcspResponderTest {
  private static final CryptoModule MODULE = FipsCryptoModule.start();
  private static final AsymmetricProvider PROVIDER = AsymmetricProviders.select("auto");
  private static final ASN1ObjectIdentifier ECDSA_SHA256 = new ASN1ObjectIdentifier("1.2.840.10045.4.3.2");
  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-01T10:00:00Z"));
  private final Clock clock = TestClocks.following(now::get);
  private final MemoryRecordStore records = new MemoryRecordStore();
  private final Barrier barrier = new Barrier(BarrierKeyring.create(MODULE));
  private final MemoryCertificateRecords certs = new MemoryCertificateRecords();
  private final AccessControl access = new AccessControl(records, () -> barrier, MODULE, Clock.systemUTC());
  private final List<AuditDraft> audited = new ArrayList<>();
  private KeyManager keys;
  private CertificateAuthority ca;
  private Caller officer;
  private Ocsp.IssuerHashes issuing;

  @BeforeEach
  void setUp() {
    keys = new KeyManager(records, () -> barrier, MODULE, PROVIDER, AlgorithmPolicy.defaults(), access, clock);
    ca = new CertificateAuthority(records, () -> barrier, keys, certs, access, SignatureVerifier.of(PROVIDER), MODULE.drbg(),
        clock, id -> access.principal(id).map(p -> new CertificateAuthority.Owner(p.id(), p.displayName(), p.email())),
        "http://127.0.0.1:8200", List.of());
    access.writePolicy(new Policy("officer", 0, "", List.of(Grant.of("ca:issue", "ca/**"), Grant.of("ca:revoke", "ca/**")),
        Set.of(), Policy.DEFAULT_STEP_UP));
    access.createPrincipal(new Principal("alice", PrincipalKind.PERSON, "Alice Officer", "alice@example.com",
        Optional.empty(), List.of("crypto-officer"), List.of("officer"), List.of(), false, Instant.now()));
    officer = new Caller("alice", "token", "", "r", Optional.of(Instant.now()));
    ca.createDevRoot(officer, "root", "ecdsa-p384", "CN=Test Root,O=Example Ltd,C=GB", Duration.ofDays(365 * 10));
    for (String name : List.of("issuing", "other")) {
      ca.create(officer, name, CaLevel.SUBORDINATE, "ecdsa-p256", "CN=Test " + name + ",O=Example Ltd,C=GB");
      ca.signSubordinate(officer, "root", name, Duration.ofDays(365 * 3));
    }
    issuing = Ocsp.IssuerHashes.of(ca.chain("issuing").getFirst());
  }

  @AfterEach
  void tearDown() {
    keys.close();
    barrier.close();
  }

  private OcspResponder responder(OcspResponder.Settings settings) {
    return new OcspResponder(ca, keys, certs, records, () -> barrier, audited::add, clock, settings);
  }

  private String issue(String caName) throws Exception {
    return issue(caName, Duration.ofDays(90));
  }

  private String issue(String caName, Duration validity) throws Exception {
    byte[] csr = CertificateAuthorityTest.csr(CertificateAuthorityTest.ec(), "SHA256withECDSA", ECDSA_SHA256,
        "CN=shop.example.com", List.of("shop.example.com"));
    return ca.issue(officer, caName, "tls-server", csr, "alice", Optional.of(validity)).serial();
  }

  private List<String> issueMany(String caName, int n) throws Exception {
    List<String> serials = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      serials.add(issue(caName));
    }
    return serials;
  }

  private static byte[] ask(Ocsp.CertId id) {
    return Ocsp.request(List.of(id), Optional.empty());
  }

  private Ocsp.CertId id(String serial) {
    return issuing.certId("SHA-1", new BigInteger(serial, 16));
  }

  private static X509Certificate x509(byte[] der) throws Exception {
    return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
  }

  /** Verifies the response's signature with the responder certificate it carries, and that cert's issuer. */
  private void assertSignedByDelegate(byte[] der) throws Exception {
    List<byte[]> carried = Ocsp.responseCertificates(der);
    assertThat(carried).hasSize(1);
    X509Certificate responder = x509(carried.getFirst());
    responder.verify(x509(ca.chain("issuing").getFirst()).getPublicKey());
    assertThat(responder.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.9");
    assertThat(responder.getNonCriticalExtensionOIDs()).contains("1.3.6.1.5.5.7.48.1.5");
    byte[][] signed = Ocsp.signedPart(der);
    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initVerify(responder.getPublicKey());
    s.update(signed[0]);
    assertThat(s.verify(signed[1])).isTrue();
  }

  @Test
  @DisplayName("SS-002 11.6.1 — a certificate in good standing is answered good, signed by the CA's delegated responder")
  void good() throws Exception {
    String serial = issue("issuing");
    OcspResponder r = responder(OcspResponder.Settings.defaults());
    OcspResponder.Answer a = r.respond("issuing", ask(id(serial)));
    assertThat(a.status()).isZero();
    assertThat(Ocsp.certStatus(a.der())).isEqualTo("good");
    assertThat(a.nextUpdate()).contains(now.get().plus(Duration.ofHours(1)));
    assertSignedByDelegate(a.der());
    assertThat(audited).extracting(AuditDraft::action).containsExactly("ocsp.responder.issue");
  }

  @Test
  @DisplayName("SS-002 11.6.1 — a revocation is visible on the very next request, with its reason; hold and release too")
  void revocationVisibleAtOnce() throws Exception {
    String serial = issue("issuing");
    OcspResponder r = responder(OcspResponder.Settings.defaults());
    assertThat(Ocsp.certStatus(r.respond("issuing", ask(id(serial))).der())).isEqualTo("good");
    ca.revoke(officer, serial, "certificateHold");
    assertThat(Ocsp.certStatus(r.respond("issuing", ask(id(serial))).der())).isEqualTo("revoked");
    ca.revoke(officer, serial, "removeFromCRL");
    assertThat(Ocsp.certStatus(r.respond("issuing", ask(id(serial))).der())).isEqualTo("good");
    ca.revoke(officer, serial, "keyCompromise");
    byte[] der = r.respond("issuing", ask(id(serial))).der();
    assertThat(Ocsp.certStatus(der)).isEqualTo("revoked");
    assertThat(org.bouncycastle.asn1.ocsp.RevokedInfo.getInstance(org.bouncycastle.asn1.ocsp.SingleResponse.getInstance(
        org.bouncycastle.asn1.ocsp.BasicOCSPResponse.getInstance(org.bouncycastle.asn1.ocsp.OCSPResponse.getInstance(der)
            .getResponseBytes().getResponse().getOctets()).getTbsResponseData().getResponses().getObjectAt(0))
        .getCertStatus().getStatus()).getRevocationReason().getValue().intValue()).isEqualTo(1);
    assertSignedByDelegate(der);
  }

  @Test
  @DisplayName("SS-002 11.6.1 — a flood of requests for a known serial costs no signing: the same signed answer is served")
  void cachedAnswerServed() throws Exception {
    String serial = issue("issuing");
    OcspResponder r = responder(OcspResponder.Settings.defaults());
    byte[] first = r.respond("issuing", ask(id(serial))).der();
    now.set(now.get().plusSeconds(60));
    for (int i = 0; i < 100; i++) {
      assertThat(r.respond("issuing", ask(id(serial))).der()).isEqualTo(first);
    }
    assertThat(r.cached()[0]).isEqualTo(1);
  }

  @Test
  @DisplayName("SS-002 11.6.4 — kept answers are re-signed once half their validity has passed, before nextUpdate")
  void refreshedAtHalfLife() throws Exception {
    String serial = issue("issuing");
    OcspResponder r = responder(OcspResponder.Settings.defaults());
    byte[] first = r.respond("issuing", ask(id(serial))).der();
    now.set(now.get().plus(Duration.ofMinutes(20)));
    r.refresh();
    assertThat(r.respond("issuing", ask(id(serial))).der()).isEqualTo(first);
    now.set(now.get().plus(Duration.ofMinutes(11)));
    r.refresh();
    byte[] second = r.respond("issuing", ask(id(serial))).der();
    assertThat(Ocsp.producedAt(second)).isEqualTo(now.get());
    assertThat(Ocsp.nextUpdate(second)).isEqualTo(now.get().plus(Duration.ofHours(1)));
  }

  @Test
  @DisplayName("RFC 6960 — a serial nobody issued is answered unknown, signed and kept")
  void unknownSerial() throws Exception {
    OcspResponder r = responder(OcspResponder.Settings.defaults());
    OcspResponder.Answer a = r.respond("issuing", ask(id("1234567890abcdef")));
    assertThat(a.status()).isZero();
    assertThat(Ocsp.certStatus(a.der())).isEqualTo("unknown");
    assertSignedByDelegate(a.der());
    assertThat(r.respond("issuing", ask(id("1234567890abcdef"))).der()).isEqualTo(a.der());
    assertThat(r.cached()).containsExactly(0, 1);
  }

  @Test
  @DisplayName("RFC 6960 — another CA's certificate is unknown, whether named by its own issuer's hashes or by this CA's")
  void otherCasSerial() throws Exception {
    String theirs = issue("other");
    OcspResponder r = responder(OcspResponder.Settings.defaults());
    Ocsp.IssuerHashes other = Ocsp.IssuerHashes.of(ca.chain("other").getFirst());
    assertThat(Ocsp.certStatus(r.respond("issuing", ask(other.certId("SHA-1", new BigInteger(theirs, 16)))).der()))
        .isEqualTo("unknown");
    assertThat(Ocsp.certStatus(r.respond("issuing", ask(id(theirs))).der())).isEqualTo("unknown");
    assertThat(Ocsp.certStatus(r.respond("other", ask(other.certId("SHA-1", new BigInteger(theirs, 16)))).der()))
        .isEqualTo("good");
  }

  @Test
  @DisplayName("RFC 6960 — SHA-256 CertIDs are answered as well as SHA-1, echoing the CertID asked")
  void sha256CertId() throws Exception {
    String serial = issue("issuing");
    OcspResponder r = responder(OcspResponder.Settings.defaults());
    byte[] der = r.respond("issuing", ask(issuing.certId("SHA-256", new BigInteger(serial, 16)))).der();
    assertThat(Ocsp.certStatus(der)).isEqualTo("good");
    CertID echoed = org.bouncycastle.asn1.ocsp.SingleResponse.getInstance(org.bouncycastle.asn1.ocsp.BasicOCSPResponse
        .getInstance(org.bouncycastle.asn1.ocsp.OCSPResponse.getInstance(der).getResponseBytes().getResponse().getOctets())
        .getTbsResponseData().getResponses().getObjectAt(0)).getCertID();
    assertThat(echoed.getHashAlgorithm().getAlgorithm().getId()).isEqualTo("2.16.840.1.101.3.4.2.1");
  }

  @Test
  @DisplayName("RFC 6960 4.2.1 — garbage, truncated, trailing bytes, oversized, unknown hash, empty and too many CertIDs: "
      + "malformedRequest, unsigned, nothing kept")
  void malformed() throws Exception {
    String serial = issue("issuing");
    OcspResponder r = responder(OcspResponder.Settings.defaults());
    byte[] good = ask(id(serial));
    byte[] trailing = Arrays.copyOf(good, good.length + 2);
    CertID md5 = new CertID(new AlgorithmIdentifier(new ASN1ObjectIdentifier("1.2.840.113549.2.5"), DERNull.INSTANCE),
        new DEROctetString(new byte[16]), new DEROctetString(new byte[16]), new ASN1Integer(1));
    byte[] unknownHash = new OCSPRequest(new TBSRequest(null, new DERSequence(new Request(md5, null)), null), null)
        .getEncoded();
    byte[] empty = new OCSPRequest(new TBSRequest(null, new DERSequence(), null), null).getEncoded();
    List<Ocsp.CertId> nine = new ArrayList<>();
    for (int i = 1; i <= 9; i++) {
      nine.add(id(Integer.toHexString(i)));
    }
    Map<String, byte[]> bad = Map.of("garbage", "hello, responder".getBytes(), "truncated",
        Arrays.copyOf(good, good.length - 3), "trailing", trailing, "oversized", new byte[64 * 1024 + 1],
        "unknown hash", unknownHash, "no CertID", empty, "nine CertIDs", Ocsp.request(nine, Optional.empty()),
        "nothing", new byte[0]);
    bad.forEach((what, body) -> {
      OcspResponder.Answer a = r.respond("issuing", body);
      assertThat(a.status()).as(what).isEqualTo(1);
      assertThat(a.der()).as(what).isEqualTo(Ocsp.ErrorStatus.MALFORMED_REQUEST.der());
      assertThat(a.problem()).as(what).isPresent();
    });
    assertThat(r.respond("issuing", empty).problem()).contains("no CertID in the request");
    assertThat(r.cached()).containsExactly(0, 0);
  }

  @Test
  @DisplayName("RFC 6960 — a CA this node does not serve is unauthorized; several CertIDs are answered in one response")
  void unauthorizedAndSeveral() throws Exception {
    String a = issue("issuing");
    String b = issue("issuing");
    OcspResponder r = responder(OcspResponder.Settings.defaults());
    assertThat(r.respond("nope", ask(id(a))).status()).isEqualTo(6);
    assertThat(r.respond("root", ask(id(a))).status()).isEqualTo(6);
    OcspResponder.Answer both = r.respond("issuing", Ocsp.request(List.of(id(a), id(b)), Optional.empty()));
    assertThat(both.status()).isZero();
    assertThat(both.cacheable()).isFalse();
    assertSignedByDelegate(both.der());
  }

  @Test
  @DisplayName("SS-002 11.6.1 — uncached signing has a budget: beyond it tryLater, while kept answers still flow")
  void signingBudget() throws Exception {
    String serial = issue("issuing");
    OcspResponder.Settings d = OcspResponder.Settings.defaults();
    OcspResponder r = responder(new OcspResponder.Settings(d.responseValidity(), d.responderValidity(),
        d.responderAlgorithm(), false, 100, 8, 1, 1));
    byte[] kept = r.respond("issuing", ask(id(serial))).der();
    assertThat(r.respond("issuing", ask(id("abcdef"))).status()).isEqualTo(3);
    assertThat(r.respond("issuing", ask(id(serial))).der()).isEqualTo(kept);
    now.set(now.get().plusSeconds(1));
    assertThat(r.respond("issuing", ask(id("abcdef"))).status()).isZero();
  }

  @Test
  @DisplayName("RFC 8954 — nonces are ignored unless configured; when configured each answer echoes its nonce")
  void nonces() throws Exception {
    String serial = issue("issuing");
    byte[] withNonce = Ocsp.request(List.of(id(serial)), Optional.of(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}));
    OcspResponder off = responder(OcspResponder.Settings.defaults());
    OcspResponder.Answer plain = off.respond("issuing", withNonce);
    assertThat(Ocsp.responseNonce(plain.der())).isEmpty();
    assertThat(plain.cacheable()).isTrue();
    assertThat(off.respond("issuing", withNonce).der()).isEqualTo(plain.der());

    OcspResponder on = responder(OcspResponder.Settings.defaults().withNonce(true));
    OcspResponder.Answer echoed = on.respond("issuing", withNonce);
    assertThat(Ocsp.responseNonce(echoed.der())).hasValueSatisfying(n -> assertThat(n).containsExactly(1, 2, 3, 4, 5, 6,
        7, 8));
    assertThat(echoed.cacheable()).isFalse();
    assertSignedByDelegate(echoed.der());
    byte[] other = Ocsp.request(List.of(id(serial)), Optional.of(new byte[] {9, 9, 9, 9, 9, 9, 9, 9}));
    assertThat(Ocsp.responseNonce(on.respond("issuing", other).der())).hasValueSatisfying(n -> assertThat(n)
        .containsExactly(9, 9, 9, 9, 9, 9, 9, 9));
  }

  @Test
  @DisplayName("SS-002 11.6.4 — the responder certificate is short-lived and replaced at two thirds of its life, audited")
  void responderRotation() throws Exception {
    String serial = issue("issuing");
    OcspResponder r = responder(OcspResponder.Settings.defaults());
    r.refresh();
    byte[] first = r.responderCertificate("issuing").orElseThrow();
    X509Certificate c = x509(first);
    assertThat(Duration.between(c.getNotBefore().toInstant(), c.getNotAfter().toInstant()))
        .isEqualTo(Duration.ofDays(30).plusMinutes(5));
    now.set(now.get().plus(Duration.ofDays(19)));
    r.refresh();
    assertThat(r.responderCertificate("issuing").orElseThrow()).isEqualTo(first);
    now.set(now.get().plus(Duration.ofDays(1)).plus(Duration.ofHours(1)));
    r.refresh();
    byte[] second = r.responderCertificate("issuing").orElseThrow();
    assertThat(second).isNotEqualTo(first);
    byte[] der = r.respond("issuing", ask(id(serial))).der();
    assertThat(Ocsp.responseCertificates(der).getFirst()).isEqualTo(second);
    assertSignedByDelegate(der);
    assertThat(audited).extracting(AuditDraft::action).contains("ocsp.responder.issue", "ocsp.responder.rotate");
    // A restarted responder picks up the stored responder, not a new one.
    assertThat(responder(OcspResponder.Settings.defaults()).responderCertificate("issuing")).hasValue(second);
  }

  @Test
  @DisplayName("SS-002 11.1.6 — a post-quantum issuing CA answers through an ML-DSA responder, verifiable with the JDK")
  void postQuantumResponder() throws Exception {
    ca.create(officer, "pq", CaLevel.SUBORDINATE, "ml-dsa-65", "CN=Test PQ Issuing,O=Example Ltd,C=GB");
    ca.signSubordinate(officer, "root", "pq", Duration.ofDays(365));
    OcspResponder r = responder(OcspResponder.Settings.defaults());
    Ocsp.IssuerHashes pq = Ocsp.IssuerHashes.of(ca.chain("pq").getFirst());
    byte[] der = r.respond("pq", ask(pq.certId("SHA-256", BigInteger.TEN))).der();
    assertThat(Ocsp.certStatus(der)).isEqualTo("unknown");
    X509Certificate responder = x509(Ocsp.responseCertificates(der).getFirst());
    assertThat(responder.getPublicKey().getAlgorithm()).startsWith("ML-DSA");
    responder.verify(x509(ca.chain("pq").getFirst()).getPublicKey());
    byte[][] signed = Ocsp.signedPart(der);
    Signature s = Signature.getInstance("ML-DSA");
    s.initVerify(responder.getPublicKey());
    s.update(signed[0]);
    assertThat(s.verify(signed[1])).isTrue();
  }

  @Test
  @DisplayName("SS-002 11.6.1 — sealing forgets every kept answer; after unsealing the stored responder answers again")
  void wipeOnSeal() throws Exception {
    String serial = issue("issuing");
    OcspResponder r = responder(OcspResponder.Settings.defaults());
    r.respond("issuing", ask(id(serial)));
    byte[] cert = r.responderCertificate("issuing").orElseThrow();
    r.wipe();
    assertThat(r.cached()).containsExactly(0, 0);
    assertThat(Ocsp.certStatus(r.respond("issuing", ask(id(serial))).der())).isEqualTo("good");
    assertThat(r.responderCertificate("issuing")).hasValue(cert);
    assertThat(audited).extracting(AuditDraft::action).containsExactly("ocsp.responder.issue");
  }

  @Test
  @DisplayName("SS-002 11.4.1 — the responder key is a CA-attribute key: it cannot be used through the ordinary key API")
  void responderKeyProtected() throws Exception {
    OcspResponder r = responder(OcspResponder.Settings.defaults());
    r.refresh();
    String key = audited.getFirst().params().get("key");
    assertThat(keys.caKey(key).ca()).isTrue();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> keys.sign(officer, key, new byte[] {1}))
        .isInstanceOf(io.custos.failure.CustosException.class);
  }

  // ---------------------------------------------------------------- pre-signing

  @Test
  @DisplayName("SS-002 11.6.1 — every known serial is answered from a pre-signed response: a flood over all of them "
      + "costs no signature")
  void floodOverEveryKnownSerialCostsNoSignature() throws Exception {
    String expiredLongAgo = issue("issuing", Duration.ofDays(1));
    List<String> serials = issueMany("issuing", 24);
    ca.revoke(officer, serials.get(0), "keyCompromise");
    ca.revoke(officer, serials.get(1), "superseded");
    ca.revoke(officer, serials.get(2), "certificateHold");
    String others = issue("other");
    now.set(now.get().plus(Duration.ofDays(3)));
    // Made after the issuance: only the refresh walk can have signed these answers.
    OcspResponder r = responder(OcspResponder.Settings.defaults());
    assertThat(r.cached()).containsExactly(0, 0);
    r.refresh();
    assertThat(r.cached()[0]).isEqualTo(serials.size() + 1);
    OcspResponder.Coverage coverage = r.coverage();
    assertThat(coverage.serials()).isEqualTo(serials.size() + 1);
    assertThat(coverage.kept()).isEqualTo(serials.size() + 1);
    assertThat(coverage.complete()).isTrue();
    assertThat(coverage.capacityReached()).isFalse();
    assertThat(coverage.ratio()).isEqualTo(1.0);

    long before = r.signatures();
    for (int round = 0; round < 3; round++) {
      for (String serial : serials) {
        OcspResponder.Answer a = r.respond("issuing", ask(id(serial)));
        assertThat(a.status()).isZero();
        assertThat(a.cacheable()).isTrue();
        String expected = serial.equals(serials.get(0)) || serial.equals(serials.get(1)) || serial.equals(serials.get(2))
            ? "revoked" : "good";
        assertThat(Ocsp.certStatus(a.der())).as(serial).isEqualTo(expected);
      }
      Ocsp.CertId otherId = Ocsp.IssuerHashes.of(ca.chain("other").getFirst()).certId("SHA-1", new BigInteger(others, 16));
      assertThat(Ocsp.certStatus(r.respond("other", ask(otherId)).der())).isEqualTo("good");
    }
    assertThat(r.signatures()).as("signatures made while answering the flood").isEqualTo(before);

    // A certificate expired more than a day ago is not pre-signed: asking for it costs a signature.
    assertThat(r.respond("issuing", ask(id(expiredLongAgo))).status()).isZero();
    assertThat(r.signatures()).isEqualTo(before + 1);
    // A second walk finds everything kept and signs nothing.
    long afterMiss = r.signatures();
    r.refresh();
    assertThat(r.signatures()).isEqualTo(afterMiss);
  }

  @Test
  @DisplayName("SS-002 11.6.1 — a newly issued certificate's answer is kept without any request, signed off the "
      + "issuing thread")
  void newCertificatePresignedOnIssue() throws Exception {
    List<Runnable> queued = new ArrayList<>();
    OcspResponder manual = new OcspResponder(ca, keys, certs, records, () -> barrier, audited::add, clock,
        OcspResponder.Settings.defaults(), queued::add);
    String serial = issue("issuing");
    assertThat(manual.cached()[0]).as("nothing signed on the issuing thread").isZero();
    assertThat(queued).hasSize(1);
    queued.forEach(Runnable::run);
    assertThat(manual.cached()[0]).isEqualTo(1);
    long before = manual.signatures();
    OcspResponder.Answer a = manual.respond("issuing", ask(id(serial)));
    assertThat(Ocsp.certStatus(a.der())).isEqualTo("good");
    assertThat(manual.signatures()).isEqualTo(before);
    assertSignedByDelegate(a.der());
  }

  @Test
  @DisplayName("SS-002 11.6.1 — with its own low-priority thread the responder keeps a new certificate's answer shortly "
      + "after issue returns")
  void newCertificatePresignedShortlyAfterIssue() throws Exception {
    try (OcspResponder r = responder(OcspResponder.Settings.defaults())) {
      r.refresh(); // the responder certificate exists: what remains is one signature
      String serial = issue("issuing");
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (r.cached()[0] == 0 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(r.cached()[0]).isEqualTo(1);
      assertThat(r.presigned()).isEqualTo(1);
      long before = r.signatures();
      assertThat(Ocsp.certStatus(r.respond("issuing", ask(id(serial))).der())).isEqualTo("good");
      assertThat(r.signatures()).isEqualTo(before);
    }
  }

  @Test
  @DisplayName("SS-002 11.6.1 — pre-signing stops at the cache bound and reports partial coverage, evicting nothing")
  void capacityBelowInventoryReportsPartialCoverage() throws Exception {
    List<String> serials = issueMany("issuing", 15);
    OcspResponder r = responder(OcspResponder.Settings.defaults().withCacheEntries(10));
    r.refresh();
    assertThat(r.cached()[0]).isEqualTo(10);
    OcspResponder.Coverage c = r.coverage();
    assertThat(c.serials()).isEqualTo(15);
    assertThat(c.kept()).isEqualTo(10);
    assertThat(c.complete()).isTrue();
    assertThat(c.capacityReached()).isTrue();
    assertThat(c.ratio()).isLessThan(1.0);
    // The kept answers stay; another walk signs nothing more and evicts nothing.
    long before = r.signatures();
    r.refresh();
    assertThat(r.signatures()).isEqualTo(before);
    assertThat(r.cached()[0]).isEqualTo(10);
    assertThat(r.coverage().kept()).isEqualTo(10);
    // Beyond the bound, serials are still answered: signed on request, within the miss budget.
    for (String serial : serials) {
      assertThat(Ocsp.certStatus(r.respond("issuing", ask(id(serial))).der())).isEqualTo("good");
    }
  }

  @Test
  @DisplayName("SS-002 11.6.1 — pre-signing is paced by a budget per refresh pass, apart from the miss budget")
  void presigningIsPaced() throws Exception {
    List<String> serials = issueMany("issuing", 10);
    OcspResponder.Settings d = OcspResponder.Settings.defaults();
    OcspResponder r = responder(new OcspResponder.Settings(d.responseValidity(), d.responderValidity(),
        d.responderAlgorithm(), false, 100, 8, 1, 1, 4));
    r.refresh();
    assertThat(r.presigned()).isEqualTo(4);
    assertThat(r.coverage().complete()).isFalse();
    r.refresh();
    assertThat(r.presigned()).isEqualTo(8);
    r.refresh();
    assertThat(r.presigned()).isEqualTo(10);
    assertThat(r.coverage().complete()).isTrue();
    assertThat(r.coverage().ratio()).isEqualTo(1.0);
    // The miss budget (1/s) was never drawn on: a miss still gets its signature.
    assertThat(r.respond("issuing", ask(id("abcdef"))).status()).isZero();
    long before = r.signatures();
    for (String serial : serials) {
      assertThat(r.respond("issuing", ask(id(serial))).status()).isZero();
    }
    assertThat(r.signatures()).isEqualTo(before);
  }

  @Test
  @DisplayName("SS-002 11.6.1 — sealing stops pre-signing: a walk starts over after unsealing")
  void wipeForgetsTheWalk() throws Exception {
    issueMany("issuing", 3);
    OcspResponder r = responder(OcspResponder.Settings.defaults());
    r.refresh();
    assertThat(r.cached()[0]).isEqualTo(3);
    r.wipe();
    assertThat(r.cached()[0]).isZero();
    assertThat(r.coverage().serials()).isZero();
    r.refresh();
    assertThat(r.cached()[0]).isEqualTo(3);
    assertThat(r.coverage().complete()).isTrue();
  }

  @Test
  @DisplayName("SS-002 11.6.1 — answers for certificates expired more than a day ago are dropped, not re-signed, so "
      + "they cannot fill the cache")
  void expiredAnswersLeaveTheCache() throws Exception {
    String shortLived = issue("issuing", Duration.ofDays(1));
    String longLived = issue("issuing");
    OcspResponder r = responder(OcspResponder.Settings.defaults());
    r.refresh();
    assertThat(r.cached()[0]).isEqualTo(2);
    now.set(now.get().plus(Duration.ofDays(3)));
    long before = r.signatures();
    r.refresh();
    assertThat(r.cached()[0]).isEqualTo(1);
    assertThat(r.signatures()).as("only the live certificate's answer re-signed").isEqualTo(before + 1);
    assertThat(r.coverage().serials()).isEqualTo(1);
    assertThat(Ocsp.certStatus(r.respond("issuing", ask(id(longLived))).der())).isEqualTo("good");
    assertThat(r.signatures()).isEqualTo(before + 1);
    // Still answered when asked, on request.
    assertThat(Ocsp.certStatus(r.respond("issuing", ask(id(shortLived))).der())).isEqualTo("good");
  }
}
