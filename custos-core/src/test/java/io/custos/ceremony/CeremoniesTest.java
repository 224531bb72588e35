package io.custos.ceremony;

import static io.custos.ceremony.CeremonyChecks.assertAllWiped;
import static io.custos.ceremony.CeremonyChecks.events;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.audit.AuditEvent;
import io.custos.audit.AuditLog;
import io.custos.audit.MemoryAuditRecords;
import io.custos.crypto.AsymmetricProvider;
import io.custos.crypto.AsymmetricProviders;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import io.custos.crypto.KeyPairType;
import io.custos.crypto.SecretBytes;
import io.custos.failure.ControlViolationException;
import io.custos.failure.InvalidInputException;
import io.custos.seal.UnsealShare;
import io.custos.store.MemoryRecordStore;
import io.custos.x509.CaLevel;
import io.custos.x509.Certificates;
import java.io.ByteArrayInputStream;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CeremoniesTest {
  private static final CryptoModule CRYPTO = FipsCryptoModule.start();
  private static final AsymmetricProvider PROVIDER = AsymmetricProviders.select("auto");
  private final MemoryAuditRecords auditRecords = new MemoryAuditRecords();
  private final AuditLog audit = AuditLog.open(auditRecords, Optional.empty(), "ceremony-test", "ceremony-test",
      Clock.systemUTC(), AuditLog.Settings.defaults());
  private final Ceremonies ceremonies = new Ceremonies(new MemoryRecordStore(), audit, CRYPTO, PROVIDER,
      Clock.systemUTC());

  @AfterEach
  void close() {
    audit.close();
  }

  private List<String> init() {
    try (Ceremonies.Initialised done = ceremonies.initRoot("CN=Custos Test Root,O=Example,C=GB", "ecdsa-p384",
        CaLevel.ROOT.maxLifetime(), 3, 2, "Alice Witness")) {
      return done.shares().stream().map(UnsealShare::text).toList();
    }
  }

  static byte[] csr(String subject) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair kp = g.generateKeyPair();
    return Certificates.request(Certificates.name(subject), kp.getPublic().getEncoded(), KeyPairType.EC_P256, tbs -> {
      try {
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(kp.getPrivate());
        s.update(tbs);
        return s.sign();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  private static X509Certificate x509(byte[] der) throws Exception {
    return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
  }

  @Test
  @DisplayName("init-root, then sign-ca with 2 of 3 shares: a subordinate CA that validates to the root, pathLen 0")
  void initThenSign() throws Exception {
    List<String> shares = init();
    assertAllWiped(ceremonies);
    assertThat(shares).hasSize(3).allMatch(s -> s.startsWith("custos-share-v1:"));
    X509Certificate root = x509(ceremonies.root().certificate());
    assertThat(root.getBasicConstraints()).isGreaterThanOrEqualTo(0);
    assertThat(root.getKeyUsage()[5]).isTrue();
    assertThat(root.getKeyUsage()[6]).isTrue();
    assertThat(root.getCriticalExtensionOIDs()).contains("2.5.29.19", "2.5.29.15");
    root.verify(root.getPublicKey());

    Ceremonies.SignedCa signed = ceremonies.signCa(List.of(shares.get(2), shares.get(0)), "Alice Witness",
        csr("CN=Issuing CA 1,O=Example,C=GB"), CaLevel.SUBORDINATE, CaLevel.SUBORDINATE.maxLifetime(),
        Optional.of("https://pki.example.com/"));
    assertAllWiped(ceremonies);
    X509Certificate ca = x509(signed.certificate());
    assertThat(ca.getBasicConstraints()).isZero();
    assertThat(signed.chain()).hasSize(2);
    PKIXParameters p = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
    p.setRevocationEnabled(false);
    CertPathValidator.getInstance("PKIX").validate(
        CertificateFactory.getInstance("X.509").generateCertPath(List.of(ca)), p);

    byte[] crl = ceremonies.crl(List.of(shares.get(1), shares.get(2)), "Bob Witness", Duration.ofDays(30));
    assertAllWiped(ceremonies);
    X509CRL x = (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(crl));
    x.verify(root.getPublicKey());
    assertThat(x.getRevokedCertificates()).isNull();

    ceremonies.revokeCa(List.of(shares.get(0), shares.get(1)), "Bob Witness", ca.getSerialNumber(), "keyCompromise");
    byte[] crl2 = ceremonies.crl(List.of(shares.get(1), shares.get(2)), "Bob Witness", Duration.ofDays(30));
    X509CRL x2 = (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(crl2));
    x2.verify(root.getPublicKey());
    assertThat(x2.isRevoked(ca)).isTrue();
    assertThat(ceremonies.root().crlNumber()).isEqualTo(2);
  }

  @Test
  @DisplayName("SS-002 11.6.4 — sign-ca writes the online server's CRL URL as the CRL DP; the root's CRL never releases "
      + "a hold (removeFromCRL refused) and nothing is recorded")
  void rootCrlUrlAndNoRelease() throws Exception {
    List<String> shares = init();
    Ceremonies.SignedCa signed = ceremonies.signCa(List.of(shares.get(0), shares.get(1)), "W",
        csr("CN=Issuing CA 2,O=Example,C=GB"), CaLevel.SUBORDINATE, Duration.ofDays(365),
        Optional.of("https://pki.example.com"), Optional.of("https://custos.example.com/v1/ca/root/crl"));
    X509Certificate ca = x509(signed.certificate());
    String dp = new String(ca.getExtensionValue("2.5.29.31"), java.nio.charset.StandardCharsets.ISO_8859_1);
    assertThat(dp).contains("https://custos.example.com/v1/ca/root/crl").doesNotContain("root.crl");
    assertThatThrownBy(() -> ceremonies.revokeCa(List.of(shares.get(0), shares.get(1)), "W", ca.getSerialNumber(),
        "removeFromCRL")).isInstanceOf(InvalidInputException.class).hasMessageContaining("keyCompromise");
    assertThatThrownBy(() -> ceremonies.revokeCa(List.of(shares.get(0), shares.get(1)), "W", ca.getSerialNumber(),
        "certificateHold")).isInstanceOf(InvalidInputException.class);
    byte[] crl = ceremonies.crl(List.of(shares.get(1), shares.get(2)), "W", Duration.ofDays(30));
    X509CRL x = (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(crl));
    assertThat(x.getRevokedCertificates()).as("nothing was recorded").isNull();
    assertThatThrownBy(() -> ceremonies.signCa(List.of(shares.get(0), shares.get(1)), "W",
        csr("CN=Issuing CA 3,O=Example,C=GB"), CaLevel.SUBORDINATE, Duration.ofDays(365), Optional.empty(),
        Optional.of("ldap://x"))).isInstanceOf(InvalidInputException.class);
  }

  @Test
  @DisplayName("fewer than M shares, or a combination from another split, is refused")
  void wrongShares() throws Exception {
    List<String> shares = init();
    byte[] csr = csr("CN=Issuing,O=Example");
    assertThatThrownBy(() -> ceremonies.signCa(List.of(shares.get(0)), "W", csr, CaLevel.SUBORDINATE,
        Duration.ofDays(365), Optional.empty())).isInstanceOf(ControlViolationException.class)
        .hasMessageContaining("needs 2");
    List<String> other;
    Ceremonies second = new Ceremonies(new MemoryRecordStore(), audit, CRYPTO, PROVIDER, Clock.systemUTC());
    try (Ceremonies.Initialised o = second.initRoot("CN=Other Root", "ecdsa-p384", Duration.ofDays(3650), 3, 2, "W")) {
      other = o.shares().stream().map(UnsealShare::text).toList();
    }
    assertThatThrownBy(() -> ceremonies.signCa(List.of(shares.get(0), other.get(1)), "W", csr, CaLevel.SUBORDINATE,
        Duration.ofDays(365), Optional.empty())).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("not from this root's split");
    assertAllWiped(ceremonies);
    // Same split id but a tampered value: the key check catches it.
    UnsealShare good = UnsealShare.parse(shares.get(1));
    byte[] v = good.value().use(byte[]::clone);
    v[0] ^= 1;
    String forged = new UnsealShare(good.setId(), good.threshold(), good.x(), SecretBytes.adopt(v)).text();
    assertThatThrownBy(() -> ceremonies.signCa(List.of(shares.get(0), forged), "W", csr, CaLevel.SUBORDINATE,
        Duration.ofDays(365), Optional.empty())).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("key check");
    assertAllWiped(ceremonies);
    assertThat(events(audit)).anyMatch(e -> e.action().equals("ceremony.sign_ca") && e.outcome() == AuditEvent.Outcome.DENIED);
  }

  @Test
  @DisplayName("a ceremony without a named witness is refused")
  void witnessRequired() throws Exception {
    assertThatThrownBy(() -> ceremonies.initRoot("CN=R", "ecdsa-p384", Duration.ofDays(365), 3, 2, " "))
        .isInstanceOf(ControlViolationException.class).hasMessageContaining("witness");
    assertThat(ceremonies.hasRoot()).isFalse();
    List<String> shares = init();
    assertThatThrownBy(() -> ceremonies.signCa(shares.subList(0, 2), "", csr("CN=I"), CaLevel.SUBORDINATE,
        Duration.ofDays(365), Optional.empty())).isInstanceOf(ControlViolationException.class)
        .hasMessageContaining("witness");
    assertThatThrownBy(() -> ceremonies.crl(shares.subList(0, 2), null, Duration.ofDays(30)))
        .isInstanceOf(ControlViolationException.class).hasMessageContaining("witness");
  }

  @Test
  @DisplayName("lifetimes over the ladder or past the root are refused naming SS-002 11.1.9, never truncated")
  void ladder() throws Exception {
    assertThatThrownBy(() -> ceremonies.initRoot("CN=R", "ecdsa-p384", CaLevel.ROOT.maxLifetime().plusDays(1), 3, 2,
        "W")).isInstanceOf(ControlViolationException.class).hasMessageContaining("11.1.9");
    List<String> shares;
    try (Ceremonies.Initialised done = ceremonies.initRoot("CN=R", "ecdsa-p384", Duration.ofDays(4 * 365), 3, 2,
        "W")) {
      shares = done.shares().stream().map(UnsealShare::text).toList();
    }
    byte[] csr = csr("CN=I");
    assertThatThrownBy(() -> ceremonies.signCa(shares.subList(0, 2), "W", csr, CaLevel.SUBORDINATE,
        CaLevel.SUBORDINATE.maxLifetime().plusDays(1), Optional.empty()))
        .isInstanceOf(ControlViolationException.class).hasMessageContaining("11.1.9").hasMessageContaining("at most 5");
    assertThatThrownBy(() -> ceremonies.signCa(shares.subList(0, 2), "W", csr, CaLevel.POLICY,
        CaLevel.POLICY.maxLifetime().plusDays(1), Optional.empty()))
        .isInstanceOf(ControlViolationException.class).hasMessageContaining("11.1.9");
    // Within the ladder but past the root's notAfter.
    assertThatThrownBy(() -> ceremonies.signCa(shares.subList(0, 2), "W", csr, CaLevel.SUBORDINATE,
        Duration.ofDays(5 * 365), Optional.empty()))
        .isInstanceOf(ControlViolationException.class).hasMessageContaining("11.1.9").hasMessageContaining("outlive");
  }

  @Test
  @DisplayName("a request whose signature does not verify is refused")
  void badCsr() throws Exception {
    List<String> shares = init();
    byte[] csr = csr("CN=I");
    csr[csr.length - 5] ^= 1;
    assertThatThrownBy(() -> ceremonies.signCa(shares.subList(0, 2), "W", csr, CaLevel.SUBORDINATE,
        Duration.ofDays(365), Optional.empty())).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> ceremonies.signCa(shares.subList(0, 2), "W", "garbage".getBytes(), CaLevel.SUBORDINATE,
        Duration.ofDays(365), Optional.empty())).isInstanceOf(InvalidInputException.class);
  }

  @Test
  @DisplayName("every ceremony is audited with its witness and share count, never a share or key")
  void audited() throws Exception {
    List<String> shares = init();
    ceremonies.signCa(shares.subList(1, 3), "Carol Custodian", csr("CN=I"), CaLevel.POLICY, Duration.ofDays(3650),
        Optional.empty());
    ceremonies.crl(shares.subList(0, 2), "Dave", Duration.ofDays(7));
    List<AuditEvent> events = events(audit);
    assertThat(events).extracting(AuditEvent::action)
        .containsExactly("ceremony.init_root", "ceremony.sign_ca", "ceremony.crl");
    assertThat(events).allMatch(e -> e.principal().id().equals("custodians"));
    assertThat(events.get(0).params()).containsEntry("witness", "Alice Witness").containsEntry("threshold", "2");
    assertThat(events.get(1).params()).containsEntry("witness", "Carol Custodian").containsEntry("shares", "2");
    assertThat(events.get(2).params()).containsEntry("witness", "Dave").containsEntry("shares", "2");
    for (var row : audit.events(1, 1000)) {
      String text = new String(row.event(), java.nio.charset.StandardCharsets.ISO_8859_1);
      for (String s : shares) {
        assertThat(text).doesNotContain(s.substring("custos-share-v1:".length()));
      }
      assertThat(text).doesNotContain("PRIVATE");
    }
  }

  @Test
  @DisplayName("an ML-DSA-87 root signs a CA certificate and a CRL the JDK verifies")
  void mlDsaRoot() throws Exception {
    List<String> shares;
    try (Ceremonies.Initialised done = ceremonies.initRoot("CN=PQ Root", "ml-dsa-87", Duration.ofDays(3650), 2, 2,
        "W")) {
      shares = done.shares().stream().map(UnsealShare::text).toList();
    }
    X509Certificate root = x509(ceremonies.root().certificate());
    root.verify(root.getPublicKey());
    Ceremonies.SignedCa signed = ceremonies.signCa(shares, "W", csr("CN=I"), CaLevel.SUBORDINATE,
        Duration.ofDays(365), Optional.empty());
    x509(signed.certificate()).verify(root.getPublicKey());
    byte[] crl = ceremonies.crl(shares, "W", Duration.ofDays(1));
    ((X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(crl)))
        .verify(root.getPublicKey());
    assertAllWiped(ceremonies);
  }

  @Test
  @DisplayName("N and M: 2 <= M <= N <= 16")
  void quorum() {
    assertThatThrownBy(() -> ceremonies.initRoot("CN=R", "ecdsa-p384", Duration.ofDays(365), 3, 1, "W"))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> ceremonies.initRoot("CN=R", "ecdsa-p384", Duration.ofDays(365), 17, 2, "W"))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> ceremonies.initRoot("CN=R", "ecdsa-p256", Duration.ofDays(365), 3, 2, "W"))
        .isInstanceOf(InvalidInputException.class);
  }
}
