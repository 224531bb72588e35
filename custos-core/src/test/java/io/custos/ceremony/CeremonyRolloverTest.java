package io.custos.ceremony;

import static io.custos.ceremony.CeremonyChecks.assertAllWiped;
import static io.custos.ceremony.CeremonyChecks.events;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.audit.AuditEvent;
import io.custos.audit.AuditLog;
import io.custos.audit.LogVerifier;
import io.custos.audit.MemoryAuditRecords;
import io.custos.audit.VerificationResult;
import io.custos.crypto.AsymmetricProvider;
import io.custos.crypto.AsymmetricProviders;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import io.custos.failure.ControlViolationException;
import io.custos.failure.InvalidInputException;
import io.custos.seal.UnsealShare;
import io.custos.store.MemoryRecordStore;
import io.custos.x509.CaLevel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CeremonyRolloverTest {
  private static final CryptoModule CRYPTO = FipsCryptoModule.start();
  private static final AsymmetricProvider PROVIDER = AsymmetricProviders.select("auto");
  private final MemoryAuditRecords auditRecords = new MemoryAuditRecords();
  private final MemoryRecordStore store = new MemoryRecordStore();
  private final AuditLog audit = AuditLog.open(auditRecords, Optional.empty(), "offline-test", "offline-test",
      Clock.systemUTC(), AuditLog.Settings.defaults());
  private final Ceremonies ceremonies = new Ceremonies(store, audit, CRYPTO, PROVIDER, Clock.systemUTC());

  @AfterEach
  void close() {
    audit.close();
  }

  private List<String> init() {
    try (Ceremonies.Initialised done = ceremonies.initRoot("CN=Custos Rollover Root,O=Example,C=GB", "ecdsa-p384",
        Duration.ofDays(3650), 3, 2, "Alice Witness")) {
      return done.shares().stream().map(UnsealShare::text).toList();
    }
  }

  private static X509Certificate x509(byte[] der) throws Exception {
    return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
  }

  private static void validate(X509Certificate anchor, X509Certificate... path) throws Exception {
    PKIXParameters p = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
    p.setRevocationEnabled(false);
    CertPathValidator.getInstance("PKIX").validate(
        CertificateFactory.getInstance("X.509").generateCertPath(Arrays.asList(path)), p);
  }

  @Test
  @DisplayName("SS-002 11.3.1 — rollover (RFC 4210 §4.4): new root, OldWithNew and NewWithOld link both hierarchies both ways")
  void rolloverLinksBothWays() throws Exception {
    List<String> shares = init();
    X509Certificate oldRoot = x509(ceremonies.root().certificate());
    X509Certificate oldCa = x509(ceremonies.signCa(shares.subList(0, 2), "Alice Witness",
        CeremoniesTest.csr("CN=Issuing Before,O=Example"), CaLevel.SUBORDINATE, Duration.ofDays(365), Optional.empty())
        .certificate());

    List<String> fresh;
    X509Certificate newRoot;
    X509Certificate oldWithNew;
    X509Certificate newWithOld;
    try (Ceremonies.RolledOver r = ceremonies.rollover(List.of(shares.get(2), shares.get(1)), "Bob Witness",
        "ecdsa-p384", Optional.empty(), CaLevel.ROOT.maxLifetime(), Optional.of(4), Optional.of(3), false)) {
      fresh = r.shares().stream().map(UnsealShare::text).toList();
      newRoot = x509(r.newRoot());
      oldWithNew = x509(r.oldWithNew());
      newWithOld = x509(r.newWithOld());
      assertThat(r.oldKeyDestroyed()).isFalse();
    }
    assertAllWiped(ceremonies);
    assertThat(fresh).hasSize(4);
    assertThat(fresh).noneMatch(shares::contains);
    assertThat(newRoot.getSubjectX500Principal()).isEqualTo(oldRoot.getSubjectX500Principal());
    assertThat(newRoot.getPublicKey()).isNotEqualTo(oldRoot.getPublicKey());
    newRoot.verify(newRoot.getPublicKey());
    assertThat(Arrays.equals(ceremonies.root().certificate(), newRoot.getEncoded())).isTrue();
    assertThat(ceremonies.root().threshold()).isEqualTo(3);

    // OldWithNew: the old public key, signed by the new key.
    assertThat(oldWithNew.getPublicKey()).isEqualTo(oldRoot.getPublicKey());
    oldWithNew.verify(newRoot.getPublicKey());
    assertThat(oldWithNew.getBasicConstraints()).isGreaterThanOrEqualTo(0);
    // NewWithOld: the new public key, signed by the old key, never past the old root.
    assertThat(newWithOld.getPublicKey()).isEqualTo(newRoot.getPublicKey());
    newWithOld.verify(oldRoot.getPublicKey());
    assertThat(newWithOld.getNotAfter()).isBeforeOrEqualTo(oldRoot.getNotAfter());

    // A relying party that trusts only the new root reaches a CA the old root certified.
    validate(newRoot, oldCa, oldWithNew);
    assertThatThrownBy(() -> validate(newRoot, oldCa)).isInstanceOf(CertPathValidatorException.class);

    // The new root signs with the new shares (3 of 4); the old shares no longer open anything current.
    X509Certificate newCa = x509(ceremonies.signCa(fresh.subList(1, 4), "Bob Witness",
        CeremoniesTest.csr("CN=Issuing After,O=Example"), CaLevel.SUBORDINATE, Duration.ofDays(365), Optional.empty())
        .certificate());
    newCa.verify(newRoot.getPublicKey());
    // A relying party that still trusts only the old root reaches it through NewWithOld.
    validate(oldRoot, newCa, newWithOld);
    assertThatThrownBy(() -> ceremonies.signCa(shares, "Bob Witness",
        CeremoniesTest.csr("CN=X"), CaLevel.SUBORDINATE, Duration.ofDays(365), Optional.empty()))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("not from this root's split");

    // The old root was kept: with the OLD shares it signs its final CRL, and it lists what it revoked.
    ceremonies.revokeCa(fresh.subList(0, 3), "Bob Witness", oldCa.getSerialNumber(), "superseded");
    assertThat(ceremonies.previousRoots()).singleElement()
        .satisfies(p -> assertThat(p.keyDestroyed()).isFalse());
    byte[] crl = ceremonies.crlOfPrevious(oldRoot.getSerialNumber().toString(16), shares.subList(0, 2), "Bob Witness",
        Duration.ofDays(30));
    X509CRL x = (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(crl));
    x.verify(oldRoot.getPublicKey());
    assertThat(x.isRevoked(oldCa)).isTrue();
    assertAllWiped(ceremonies);
    // The new root's CRL lists only what the new root signed.
    X509CRL current = (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(
        ceremonies.crl(fresh.subList(0, 3), "Bob Witness", Duration.ofDays(30))));
    current.verify(newRoot.getPublicKey());
    assertThat(current.isRevoked(oldCa)).isFalse();
    ceremonies.revokeCa(fresh.subList(0, 3), "Bob Witness", newCa.getSerialNumber(), "superseded");
    X509CRL both = (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(
        ceremonies.crl(fresh.subList(1, 4), "Bob Witness", Duration.ofDays(30))));
    assertThat(both.isRevoked(newCa)).isTrue();
    assertThat(both.isRevoked(oldCa)).isFalse();

    AuditEvent rolled = events(audit).stream().filter(e -> e.action().equals("ceremony.rollover")).findFirst().orElseThrow();
    assertThat(rolled.outcome()).isEqualTo(AuditEvent.Outcome.OK);
    assertThat(rolled.params()).containsEntry("witness", "Bob Witness").containsEntry("shares", "2")
        .containsEntry("old_serial", oldRoot.getSerialNumber().toString(16))
        .containsEntry("new_serial", newRoot.getSerialNumber().toString(16))
        .containsEntry("threshold", "3").containsEntry("custodians", "4").containsEntry("old_key", "kept for final CRLs");
  }

  @Test
  @DisplayName("SS-002 11.4.3 — rollover --retire-old destroys the old root key: it signs no CRL afterwards")
  void retireOld() throws Exception {
    List<String> shares = init();
    String oldSerial = x509(ceremonies.root().certificate()).getSerialNumber().toString(16);
    try (Ceremonies.RolledOver r = ceremonies.rollover(shares.subList(0, 2), "W", "rsa-4096",
        Optional.of("CN=Custos Root 2,O=Example,C=GB"), Duration.ofDays(3650), Optional.empty(), Optional.empty(),
        true)) {
      assertThat(r.oldKeyDestroyed()).isTrue();
      assertThat(r.shares()).hasSize(3);
      assertThat(x509(r.newRoot()).getSubjectX500Principal().getName()).contains("Custos Root 2");
      assertThat(x509(r.newRoot()).getPublicKey().getAlgorithm()).isEqualTo("RSA");
    }
    assertThat(ceremonies.previousRoots()).singleElement().satisfies(p -> assertThat(p.keyDestroyed()).isTrue());
    assertThatThrownBy(() -> ceremonies.crlOfPrevious(oldSerial, shares.subList(0, 2), "W", Duration.ofDays(30)))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("destroyed");
  }

  @Test
  @DisplayName("SS-002 11.3.1 — rollover with too few shares, foreign shares or no witness is refused and changes nothing")
  void refused() throws Exception {
    List<String> shares = init();
    byte[] before = ceremonies.root().certificate();
    assertThatThrownBy(() -> ceremonies.rollover(shares.subList(0, 1), "W", "ecdsa-p384", Optional.empty(),
        Duration.ofDays(3650), Optional.empty(), Optional.empty(), false))
        .isInstanceOf(ControlViolationException.class).hasMessageContaining("SS-002 11.3.1").hasMessageContaining("needs 2");
    assertThatThrownBy(() -> ceremonies.rollover(shares.subList(0, 2), " ", "ecdsa-p384", Optional.empty(),
        Duration.ofDays(3650), Optional.empty(), Optional.empty(), false))
        .isInstanceOf(ControlViolationException.class).hasMessageContaining("SS-002 11.3.1").hasMessageContaining("witness");
    assertThatThrownBy(() -> ceremonies.rollover(shares.subList(0, 2), "W", "ecdsa-p384", Optional.empty(),
        CaLevel.ROOT.maxLifetime().plusDays(1), Optional.empty(), Optional.empty(), false))
        .isInstanceOf(ControlViolationException.class).hasMessageContaining("SS-002 11.1.9");
    assertThatThrownBy(() -> ceremonies.rollover(shares.subList(0, 2), "W", "ecdsa-p256", Optional.empty(),
        Duration.ofDays(3650), Optional.empty(), Optional.empty(), false)).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> ceremonies.rollover(shares.subList(0, 2), "W", "ecdsa-p384", Optional.empty(),
        Duration.ofDays(3650), Optional.of(3), Optional.of(1), false)).isInstanceOf(InvalidInputException.class);
    List<String> other;
    Ceremonies second = new Ceremonies(new MemoryRecordStore(), audit, CRYPTO, PROVIDER, Clock.systemUTC());
    try (Ceremonies.Initialised o = second.initRoot("CN=Other", "ecdsa-p384", Duration.ofDays(3650), 3, 2, "W")) {
      other = o.shares().stream().map(UnsealShare::text).toList();
    }
    assertThatThrownBy(() -> ceremonies.rollover(List.of(shares.get(0), other.get(1)), "W", "ecdsa-p384",
        Optional.empty(), Duration.ofDays(3650), Optional.empty(), Optional.empty(), false))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("not from this root's split");
    assertAllWiped(ceremonies);
    assertThat(ceremonies.root().certificate()).isEqualTo(before);
    assertThat(ceremonies.previousRoots()).isEmpty();
    assertThat(events(audit)).filteredOn(e -> e.action().equals("ceremony.rollover"))
        .hasSize(6).allMatch(e -> e.outcome() == AuditEvent.Outcome.DENIED);
  }

  @Test
  @DisplayName("SS-002 11.7.1 — fail closed: a rollover that cannot be audited leaves the old root current, nothing kept")
  void unauditedRolloverUndone() throws Exception {
    List<String> shares = init();
    byte[] before = ceremonies.root().certificate();
    byte[] auditKey = Ceremonies.auditPublicKey(store).orElseThrow();
    audit.close();
    assertThatThrownBy(() -> ceremonies.rollover(shares.subList(0, 2), "W", "ecdsa-p384", Optional.empty(),
        Duration.ofDays(3650), Optional.empty(), Optional.empty(), false)).isInstanceOf(RuntimeException.class);
    assertThat(ceremonies.root().certificate()).isEqualTo(before);
    assertThat(ceremonies.previousRoots()).isEmpty();
    assertThat(store.list("ceremony.link", "", 10)).isEmpty();
    assertThat(Ceremonies.auditPublicKey(store).orElseThrow()).isEqualTo(auditKey);
    assertAllWiped(ceremonies);
    // The old shares still open the root: nothing was lost.
    try (AuditLog reopened = AuditLog.open(auditRecords, Optional.of(auditKey), "offline-test", "offline-test",
        Clock.systemUTC(), AuditLog.Settings.defaults())) {
      Ceremonies again = new Ceremonies(store, reopened, CRYPTO, PROVIDER, Clock.systemUTC());
      again.crl(shares.subList(1, 3), "W", Duration.ofDays(1));
    }
  }

  @Test
  @DisplayName("SS-002 11.7.1 — every quorum ceremony seals the offline log with a checkpoint that verifies with the pinned key")
  void offlineLogSealed() throws Exception {
    assertThat(Ceremonies.auditPublicKey(store)).isEmpty();
    List<String> shares = init();
    byte[] key = Ceremonies.auditPublicKey(store).orElseThrow();
    ceremonies.crl(shares.subList(0, 2), "W", Duration.ofDays(7));
    try (Ceremonies.RolledOver r = ceremonies.rollover(shares.subList(1, 3), "W", "ecdsa-p384", Optional.empty(),
        Duration.ofDays(3650), Optional.empty(), Optional.empty(), false)) {
      assertThat(r.shares()).hasSize(3);
    }
    // The checkpoint key carries over to the new ceremony key.
    assertThat(Ceremonies.auditPublicKey(store).orElseThrow()).isEqualTo(key);
    assertThat(audit.latestCheckpoint()).isPresent();
    assertThat(audit.latestCheckpoint().get().checkpoint().size()).isEqualTo(audit.size());
    ByteArrayOutputStream export = new ByteArrayOutputStream();
    audit.export(1, Long.MAX_VALUE, export);
    VerificationResult result = new LogVerifier(key, "offline-test")
        .verifyExport(new ByteArrayInputStream(export.toByteArray()));
    assertThat(result).isInstanceOf(VerificationResult.Verified.class);
    assertThat(((VerificationResult.Verified) result).events()).isEqualTo(3);
  }
}
