package io.custos.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.access.AccessControl;
import io.custos.access.Caller;
import io.custos.access.Grant;
import io.custos.access.Policy;
import io.custos.access.Principal;
import io.custos.access.PrincipalKind;
import io.custos.barrier.Barrier;
import io.custos.barrier.BarrierKeyring;
import io.custos.crypto.AsymmetricProvider;
import io.custos.crypto.AsymmetricProviders;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import io.custos.crypto.SignatureVerifier;
import io.custos.failure.ControlViolationException;
import io.custos.failure.NotFoundException;
import io.custos.failure.InvalidInputException;
import io.custos.failure.ConflictException;
import io.custos.failure.PermissionDeniedException;
import io.custos.kms.AlgorithmPolicy;
import io.custos.kms.KeyManager;
import io.custos.store.CertificateRecords;
import io.custos.store.MemoryCertificateRecords;
import io.custos.store.MemoryRecordStore;
import io.custos.x509.CaLevel;
import java.io.ByteArrayInputStream;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.CertificationRequest;
import org.bouncycastle.asn1.pkcs.CertificationRequestInfo;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CertificateAuthorityTest {
  private static final CryptoModule MODULE = FipsCryptoModule.start();
  private static final AsymmetricProvider PROVIDER = AsymmetricProviders.select("auto");
  private final MemoryRecordStore records = new MemoryRecordStore();
  private final Barrier barrier = new Barrier(BarrierKeyring.create(MODULE));
  private final MemoryCertificateRecords certs = new MemoryCertificateRecords();
  private final AccessControl access = new AccessControl(records, () -> barrier, MODULE, Clock.systemUTC());
  private KeyManager keys;
  private CertificateAuthority ca;
  private Caller officer;
  private Caller web;

  @BeforeEach
  void setUp() {
    keys = new KeyManager(records, () -> barrier, MODULE, PROVIDER, AlgorithmPolicy.defaults(), access, Clock.systemUTC());
    ca = new CertificateAuthority(records, () -> barrier, keys, certs, access, SignatureVerifier.of(PROVIDER), MODULE.drbg(),
        Clock.systemUTC(), id -> access.principal(id).map(p -> new CertificateAuthority.Owner(p.id(), p.displayName(),
            p.email())), "http://127.0.0.1:8200", List.of());
    access.writePolicy(new Policy("web-certs", 0, "", List.of(new Grant("ca:issue", "ca/issuing/profiles/tls-server",
        Map.of("dns", List.of("*.shop.example.com", "shop.example.com")))), Set.of(), Policy.DEFAULT_STEP_UP));
    access.writePolicy(new Policy("officer-issue", 0, "", List.of(Grant.of("ca:issue", "ca/**")), Set.of(),
        Policy.DEFAULT_STEP_UP));
    access.createPrincipal(new Principal("alice", PrincipalKind.PERSON, "Alice Officer", "alice@example.com",
        Optional.empty(), List.of("crypto-officer"), List.of("officer-issue"), List.of(), false, Instant.now()));
    access.createPrincipal(new Principal("web", PrincipalKind.MACHINE, "Web shop", "web-team@example.com",
        Optional.empty(), List.of("requester"), List.of("web-certs"), List.of(), false, Instant.now()));
    officer = new Caller("alice", "token", "", "r", Optional.of(Instant.now()));
    web = new Caller("web", "token", "", "r");
    ca.createDevRoot(officer, "root", "ecdsa-p384", "CN=Test Root,O=Example Ltd,C=GB", Duration.ofDays(365 * 10));
    ca.create(officer, "issuing", CaLevel.SUBORDINATE, "ecdsa-p256", "CN=Test Issuing,O=Example Ltd,C=GB");
    ca.signSubordinate(officer, "root", "issuing", Duration.ofDays(365 * 3));
  }

  @AfterEach
  void tearDown() {
    keys.close();
    barrier.close();
  }

  static byte[] csr(KeyPair kp, String sigAlg, ASN1ObjectIdentifier sigOid, String subject, List<String> dns)
      throws Exception {
    ASN1EncodableVector attrs = new ASN1EncodableVector();
    if (!dns.isEmpty()) {
      GeneralName[] names = dns.stream().map(d -> new GeneralName(GeneralName.dNSName, d)).toArray(GeneralName[]::new);
      attrs.add(new Attribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, new DERSet(new DERSequence(
          new Extension(Extension.subjectAlternativeName, false, new DEROctetString(new GeneralNames(names)))))));
    }
    CertificationRequestInfo info = new CertificationRequestInfo(new X500Name(subject),
        SubjectPublicKeyInfo.getInstance(kp.getPublic().getEncoded()), new DERSet(attrs));
    Signature s = Signature.getInstance(sigAlg);
    s.initSign(kp.getPrivate());
    s.update(info.getEncoded("DER"));
    return new CertificationRequest(info, new AlgorithmIdentifier(sigOid), new DERBitString(s.sign())).getEncoded("DER");
  }

  static KeyPair ec() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static final ASN1ObjectIdentifier ECDSA_SHA256 = new ASN1ObjectIdentifier("1.2.840.10045.4.3.2");

  @Test
  @DisplayName("a verified request within the requester's names is issued, and the chain validates up to the root")
  void issue() throws Exception {
    byte[] req = csr(ec(), "SHA256withECDSA", ECDSA_SHA256, "CN=shop.example.com", List.of("shop.example.com",
        "www.shop.example.com"));
    CertificateAuthority.Issued issued = ca.issue(web, "issuing", "tls-server", req, "web", Optional.of(Duration.ofDays(90)));
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    X509Certificate leaf = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(issued.certificate()));
    List<X509Certificate> path = new ArrayList<>(List.of(leaf));
    path.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(issued.chain().get(0))));
    X509Certificate root = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(issued.chain().getLast()));
    PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
    params.setRevocationEnabled(false);
    CertPathValidator.getInstance("PKIX").validate(cf.generateCertPath(path), params);
    // 20 octets, positive: a 30-bit issuing second under a fixed 01 top, then 128 DRBG bits.
    assertThat(leaf.getSerialNumber().bitLength()).isEqualTo(159);
    assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
    assertThat(certs.get(issued.serial()).orElseThrow()).satisfies(r -> {
      assertThat(r.owner()).isEqualTo("web");
      assertThat(r.ownerContact()).isEqualTo("web-team@example.com");
      assertThat(r.sans()).containsExactly("dns:shop.example.com", "dns:www.shop.example.com");
    });
  }

  @Test
  @DisplayName("SS-002 11.6.1 — issue listeners hear each certificate once it is recorded; a failing one fails nothing")
  void issueListeners() throws Exception {
    List<CertificateRecords.CertificateRow> heard = new ArrayList<>();
    ca.onIssue(row -> {
      throw new IllegalStateException("listener broken");
    });
    ca.onIssue(row -> {
      assertThat(certs.get(row.serial())).isPresent(); // recorded before listeners hear of it
      heard.add(row);
    });
    String a = ca.issue(web, "issuing", "tls-server", csr(ec(), "SHA256withECDSA", ECDSA_SHA256, "CN=shop.example.com",
        List.of("shop.example.com")), "web", Optional.empty()).serial();
    assertThat(heard).singleElement().satisfies(r -> {
      assertThat(r.serial()).isEqualTo(a);
      assertThat(r.ca()).isEqualTo("issuing");
      assertThat(r.status()).isEqualTo("good");
    });
  }

  @Test
  @DisplayName("SS-002 11.6.1 — revocation takes effect at once, is idempotent, and a hold can be released or made final")
  void revocation() throws Exception {
    List<CertificateAuthority.Revocation> heard = new ArrayList<>();
    ca.onRevocation(heard::add);
    String a = ca.issue(web, "issuing", "tls-server", csr(ec(), "SHA256withECDSA", ECDSA_SHA256, "CN=shop.example.com",
        List.of("shop.example.com")), "web", Optional.empty()).serial();
    assertThatThrownBy(() -> ca.revoke(web, a, "keyCompromise")).isInstanceOf(PermissionDeniedException.class);
    assertThat(certs.get(a).orElseThrow().status()).isEqualTo("good");

    CertificateAuthority.Revocation hold = ca.revoke(officer, a.toUpperCase(java.util.Locale.ROOT), "certificateHold");
    assertThat(hold.status()).isEqualTo("hold");
    assertThat(ca.revoke(officer, a, "removeFromCRL").status()).isEqualTo("good");
    assertThat(certs.get(a).orElseThrow().revokedAt()).isEmpty();
    CertificateAuthority.Revocation done = ca.revoke(officer, a, "key-compromise");
    assertThat(done.changed()).isTrue();
    assertThat(certs.get(a).orElseThrow()).satisfies(r -> {
      assertThat(r.status()).isEqualTo("revoked");
      assertThat(r.revocationReason()).contains("keyCompromise");
    });
    CertificateAuthority.Revocation again = ca.revoke(officer, a, "superseded");
    assertThat(again.changed()).isFalse();
    assertThat(again.reason()).isEqualTo("keyCompromise");
    assertThat(heard).hasSize(3);
    assertThatThrownBy(() -> ca.revoke(officer, a, "removeFromCRL")).isInstanceOf(ConflictException.class);
    assertThatThrownBy(() -> ca.revoke(officer, a, "because")).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("unknown revocation reason");
    assertThatThrownBy(() -> ca.revoke(officer, "abcdef", "superseded")).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> ca.revoke(officer, "zz", "superseded")).isInstanceOf(InvalidInputException.class);
  }

  @Test
  @DisplayName("SS-002 11.1.10 — the same public key is never certified twice: a replacement needs a new key pair")
  void rekeyRequired() throws Exception {
    byte[] req = csr(ec(), "SHA256withECDSA", ECDSA_SHA256, "CN=shop.example.com", List.of("shop.example.com"));
    String first = ca.issue(web, "issuing", "tls-server", req, "web", Optional.empty()).serial();
    assertThatThrownBy(() -> ca.issue(web, "issuing", "tls-server", req, "web", Optional.empty()))
        .isInstanceOf(ControlViolationException.class)
        .hasMessage("SS-002 11.1.10: this public key was already certified (serial " + first
            + "); generate a new key pair for a new certificate");
  }

  @Test
  @DisplayName("a refusal lists every violated rule at once, each with its control, and stores nothing")
  void everyViolationListed() throws Exception {
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    byte[] req = csr(rsa.generateKeyPair(), "SHA256withRSA", PKCSObjectIdentifiers.sha256WithRSAEncryption,
        "CN=*.shop.example.com", List.of("*.shop.example.com"));
    assertThatThrownBy(() -> ca.issue(officer, "issuing", "tls-server", req, "web", Optional.of(Duration.ofDays(800))))
        .isInstanceOf(ControlViolationException.class)
        .hasMessageContaining("SS-002 11.3.9: RSA-2048 is below the 3072-bit minimum")
        .hasMessageContaining("SS-002 11.1.9: DNS name '*.shop.example.com' is a wildcard (left-side wildcard)")
        .hasMessageContaining("SS-002 11.1.9: the common name '*.shop.example.com' is a wildcard")
        .hasMessageContaining("SS-002 11.1.9: 800 days is longer than profile tls-server allows (365 days)");
    assertThat(certs.count()).isZero();
  }

  @Test
  @DisplayName("names outside the requester's ca:issue grant are refused")
  void namesMustBeGranted() throws Exception {
    byte[] req = csr(ec(), "SHA256withECDSA", ECDSA_SHA256, "CN=payroll.example.com", List.of("payroll.example.com"));
    assertThatThrownBy(() -> ca.issue(web, "issuing", "tls-server", req, "web", Optional.empty()))
        .isInstanceOf(PermissionDeniedException.class).hasMessageContaining("dns 'payroll.example.com' is outside");
  }

  @Test
  @DisplayName("SS-002 11.1.9 — never past the issuer's notAfter: refused, not truncated; CA lifetimes follow the ladder")
  void lifetimes() throws Exception {
    ca.create(officer, "short", CaLevel.SUBORDINATE, "ecdsa-p256", "CN=Short Issuing");
    ca.signSubordinate(officer, "root", "short", Duration.ofDays(30));
    byte[] req = csr(ec(), "SHA256withECDSA", ECDSA_SHA256, "CN=shop.example.com", List.of("shop.example.com"));
    assertThatThrownBy(() -> ca.issue(officer, "short", "tls-server", req, "web", Optional.of(Duration.ofDays(90))))
        .hasMessageContaining("SS-002 11.1.9: the certificate would outlive its issuer 'short'");
    ca.create(officer, "long", CaLevel.SUBORDINATE, "ecdsa-p256", "CN=Long Issuing");
    assertThatThrownBy(() -> ca.signSubordinate(officer, "root", "long", Duration.ofDays(365 * 6)))
        .hasMessageStartingWith("SS-002 11.1.9: a subordinate CA lives at most 5 years");
  }

  @Test
  @DisplayName("SS-002 11.3.3 / 11.4.1 — CA keys sign only certificates and CRLs, and are never backed up or exported")
  void caKeysAreOnlyForCertificates() {
    assertThatThrownBy(() -> keys.sign(officer, "ca.issuing", new byte[] {1}))
        .hasMessageStartingWith("SS-002 11.3.3: key 'ca.issuing' is a CA key");
    assertThatThrownBy(() -> keys.backup(officer, "ca.issuing", "nothing"))
        .hasMessageStartingWith("SS-002 11.4.1");
  }

  @Test
  @DisplayName("end-entity certificates come only from issuing CAs, and every certificate has a known owner")
  void issuerAndOwner() throws Exception {
    byte[] req = csr(ec(), "SHA256withECDSA", ECDSA_SHA256, "CN=shop.example.com", List.of("shop.example.com"));
    assertThatThrownBy(() -> ca.issue(officer, "root", "tls-server", req, "web", Optional.empty()))
        .hasMessageStartingWith("SS-002 11.3.1");
    assertThatThrownBy(() -> ca.issue(officer, "issuing", "tls-server", req, "nobody", Optional.empty()))
        .hasMessageStartingWith("owner 'nobody' is not a known principal");
  }

  @Test
  @DisplayName("a post-quantum hierarchy through the CA: ML-DSA-87 root, ML-DSA-65 issuing CA, ML-DSA-44 leaf")
  void postQuantum() throws Exception {
    ca.createDevRoot(officer, "pq-root", "ml-dsa-87", "CN=PQ Root", Duration.ofDays(3650));
    ca.create(officer, "pq-issuing", CaLevel.SUBORDINATE, "ml-dsa-65", "CN=PQ Issuing");
    ca.signSubordinate(officer, "pq-root", "pq-issuing", Duration.ofDays(730));
    KeyPair kp = KeyPairGenerator.getInstance("ML-DSA-44").generateKeyPair();
    byte[] req = csr(kp, "ML-DSA-44", new ASN1ObjectIdentifier("2.16.840.1.101.3.4.3.17"), "CN=pq.example.com",
        List.of("pq.example.com"));
    CertificateAuthority.Issued issued = ca.issue(officer, "pq-issuing", "tls-server", req, "web", Optional.empty());
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    X509Certificate leaf = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(issued.certificate()));
    X509Certificate mid = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(issued.chain().get(0)));
    X509Certificate root = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(issued.chain().get(1)));
    PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
    params.setRevocationEnabled(false);
    CertPathValidator.getInstance("PKIX").validate(cf.generateCertPath(List.of(leaf, mid)), params);
    assertThat(root.getSigAlgName()).isEqualToIgnoringCase("ML-DSA-87");
  }
}
