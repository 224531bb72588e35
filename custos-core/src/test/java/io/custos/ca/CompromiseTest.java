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
import io.custos.crypto.Pem;
import io.custos.crypto.SignatureVerifier;
import io.custos.failure.ControlViolationException;
import io.custos.failure.InvalidInputException;
import io.custos.failure.NotFoundException;
import io.custos.failure.PermissionDeniedException;
import io.custos.kms.AlgorithmPolicy;
import io.custos.kms.KeyManager;
import io.custos.kms.KeyState;
import io.custos.store.CertificateRecords;
import io.custos.store.MemoryCertificateRecords;
import io.custos.store.MemoryRecordStore;
import io.custos.x509.CaLevel;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CompromiseTest {
  private static final CryptoModule MODULE = FipsCryptoModule.start();
  private static final AsymmetricProvider PROVIDER = AsymmetricProviders.select("auto");
  private static final ASN1ObjectIdentifier ECDSA_SHA256 = new ASN1ObjectIdentifier("1.2.840.10045.4.3.2");
  private final MemoryRecordStore records = new MemoryRecordStore();
  private final Barrier barrier = new Barrier(BarrierKeyring.create(MODULE));
  private final MemoryCertificateRecords certs = new MemoryCertificateRecords();
  private final AccessControl access = new AccessControl(records, () -> barrier, MODULE, Clock.systemUTC());
  private KeyManager keys;
  private CertificateAuthority ca;
  private Caller officer;
  private KeyPair leafKey;
  private String leafSerial;
  private String importedSerial;
  private String otherSerial;
  private String leafSpki;

  @BeforeEach
  void setUp() throws Exception {
    keys = new KeyManager(records, () -> barrier, MODULE, PROVIDER, AlgorithmPolicy.defaults(), access, Clock.systemUTC());
    ca = new CertificateAuthority(records, () -> barrier, keys, certs, access, SignatureVerifier.of(PROVIDER), MODULE.drbg(),
        Clock.systemUTC(), id -> access.principal(id).map(p -> new CertificateAuthority.Owner(p.id(), p.displayName(),
            p.email())), "http://127.0.0.1:8200", List.of());
    access.writePolicy(new Policy("officer-issue", 0, "", List.of(Grant.of("ca:issue", "ca/**")), Set.of(),
        Policy.DEFAULT_STEP_UP));
    access.writePolicy(new Policy("shop", 0, "", List.of(Grant.of("ca:issue", "ca/issuing-a/profiles/tls-server"),
        Grant.of("ca:read", "ca/issuing-b")), Set.of(), Policy.DEFAULT_STEP_UP));
    access.createPrincipal(new Principal("alice", PrincipalKind.PERSON, "Alice Officer", "alice@example.com",
        Optional.empty(), List.of("crypto-officer"), List.of("officer-issue"), List.of(), false, Instant.now()));
    access.createPrincipal(new Principal("web", PrincipalKind.MACHINE, "Web shop", "web-team@example.com",
        Optional.empty(), List.of("requester"), List.of("shop"), List.of(), false, Instant.now()));
    officer = new Caller("alice", "token", "", "r", Optional.of(Instant.now()));
    ca.createDevRoot(officer, "root", "ecdsa-p384", "CN=Test Root,O=Example Ltd,C=GB", Duration.ofDays(365 * 10));
    for (String n : List.of("issuing-a", "issuing-b")) {
      ca.create(officer, n, CaLevel.SUBORDINATE, "ecdsa-p256", "CN=" + n + ",O=Example Ltd,C=GB");
      ca.signSubordinate(officer, "root", n, Duration.ofDays(365 * 3));
    }
    leafKey = CertificateAuthorityTest.ec();
    leafSerial = issue("issuing-a", leafKey, "shop.example.com");
    otherSerial = issue("issuing-b", CertificateAuthorityTest.ec(), "other.example.com");
    CertificateRecords.CertificateRow leaf = certs.get(leafSerial).orElseThrow();
    leafSpki = HexFormat.of().formatHex(leaf.spkiHash());
    // The same public key certified by the second issuing CA, imported around the one-key-one-certificate rule.
    importedSerial = "7e57";
    certs.importUnchecked(new CertificateRecords.CertificateRow(importedSerial, "issuing-b", "web", "Web shop",
        "web-team@example.com", "tls-server", "CN=shop.example.com", List.of("dns:shop.example.com"), leaf.spkiHash(),
        leaf.notBefore(), leaf.notAfter(), leaf.issuedAt(), "good", Optional.empty(), Optional.empty(), leaf.der()));
  }

  @AfterEach
  void tearDown() {
    keys.close();
    barrier.close();
  }

  private String issue(String caName, KeyPair kp, String dns) throws Exception {
    byte[] req = CertificateAuthorityTest.csr(kp, "SHA256withECDSA", ECDSA_SHA256, "CN=" + dns, List.of(dns));
    return ca.issue(officer, caName, "tls-server", req, "web", Optional.of(Duration.ofDays(90))).serial();
  }

  private Compromise compromise(Set<String> availabilityFirst) {
    return new Compromise(ca, keys, certs, access, access, new Compromise.Settings(availabilityFirst));
  }

  private String status(String serial) {
    return certs.get(serial).orElseThrow().status();
  }

  @Test
  @DisplayName("SS-002 11.6.1 — compromise declare across two issuing CAs sharing (wrongly imported) a key: both revoked")
  void sharedKeyAcrossTwoCas() {
    access.updatePrincipal("web", p -> p.withClientCertificates(List.of(leafSpki)));
    String viaCert = access.createToken("web", Duration.ofHours(1), Duration.ofHours(2), "web", Optional.of(leafSpki))
        .info().accessor();
    String plain = access.createToken("web", Duration.ofHours(1), Duration.ofHours(2), "web").info().accessor();

    Compromise.Declared done = compromise(Set.of()).declare(officer,
        new Compromise.Target.PublicKey(Pem.write("PUBLIC KEY", leafKey.getPublic().getEncoded())), "laptop stolen", false);

    assertThat(done.revokedPerCa()).isEqualTo(Map.of("issuing-a", List.of(leafSerial), "issuing-b", List.of(importedSerial)));
    assertThat(done.certificates()).allSatisfy(c -> assertThat(c.reason()).isEqualTo("keyCompromise"));
    assertThat(status(leafSerial)).isEqualTo("revoked");
    assertThat(status(importedSerial)).isEqualTo("revoked");
    assertThat(certs.get(leafSerial).orElseThrow().revocationReason()).contains("keyCompromise");
    assertThat(status(otherSerial)).as("a certificate of another key").isEqualTo("good");
    assertThat(done.bindingsRevoked()).containsExactly("web (client certificate " + leafSpki + ")");
    assertThat(access.principalForCertificate(leafSpki)).isEmpty();
    assertThat(done.tokensRevoked()).containsExactly(viaCert);
    assertThat(access.tokens("web")).extracting(t -> t.accessor()).containsExactly(plain);
    assertThat(done.casDisabled()).isEmpty();
    assertThat(done.ceremonies()).isEmpty();
  }

  @Test
  @DisplayName("SS-002 11.6.1 — declaring by one certificate's serial revokes every certificate of its key, in every CA")
  void bySerial() {
    Compromise.Declared done = compromise(Set.of()).declare(officer,
        new Compromise.Target.Certificate(importedSerial, Optional.of("issuing-b")), "key found on a paste site", false);
    assertThat(done.certificates()).extracting(Compromise.RevokedCertificate::serial)
        .containsExactlyInAnyOrder(leafSerial, importedSerial);
    assertThatThrownBy(() -> compromise(Set.of()).declare(officer,
        new Compromise.Target.Certificate(otherSerial, Optional.of("issuing-a")), "x", false))
        .isInstanceOf(NotFoundException.class).hasMessageContaining("not in CA 'issuing-a'");
  }

  @Test
  @DisplayName("SS-002 11.6.1 — a CA's key: the CA signs nothing more, its certificate is revoked by its online parent, "
      + "everything it issued is revoked, and grants naming it are removed")
  void caKey() throws Exception {
    Compromise.Declared done = compromise(Set.of()).declare(officer, new Compromise.Target.Key("ca.issuing-a"),
        "HSM partition exposed", false);

    assertThat(done.casDisabled()).containsExactly("issuing-a");
    assertThat(done.keysMarked()).containsExactly("ca.issuing-a");
    assertThat(keys.caKey("ca.issuing-a").state()).isEqualTo(KeyState.COMPROMISED);
    String caSerial = CertificateAuthority.serialOf(ca.show(officer, "issuing-a").certificate().orElseThrow());
    assertThat(done.revokedPerCa().get("root")).containsExactly(caSerial);
    assertThat(certs.get(caSerial).orElseThrow().revocationReason()).contains("cACompromise");
    assertThat(done.issuedByCompromisedCas()).containsExactly(leafSerial);
    assertThat(status(leafSerial)).isEqualTo("revoked");
    assertThat(certs.get(leafSerial).orElseThrow().revocationReason()).contains("cACompromise");
    assertThat(status(otherSerial)).isEqualTo("good");
    assertThat(done.grantsRevoked()).containsExactly("shop: ca/issuing-a");
    assertThat(access.policy("shop").orElseThrow().grants()).extracting(Grant::resource).containsExactly("ca/issuing-b");
    assertThat(done.ceremonies()).isEmpty();
    assertThatThrownBy(() -> issue("issuing-a", CertificateAuthorityTest.ec(), "new.example.com"))
        .isInstanceOf(ControlViolationException.class).hasMessageContaining("SS-002 11.6.1");
    assertThat(issue("issuing-b", CertificateAuthorityTest.ec(), "still.example.com")).isNotEmpty();
  }

  @Test
  @DisplayName("SS-002 11.6.1 — a CA certified by the offline root: the exact revoke-ca ceremony is named")
  void offlineParent() {
    // The root is not an online CA here: as in production, where it lives in its own data directory.
    records.delete(CertificateAuthority.CA_TYPE, "root", records.get(CertificateAuthority.CA_TYPE, "root").orElseThrow()
        .version());
    Compromise.Declared done = compromise(Set.of()).declare(officer, new Compromise.Target.Key("ca.issuing-b"),
        "insider", false);
    String caSerial = CertificateAuthority.serialOf(ca.show(officer, "issuing-b").certificate().orElseThrow());
    assertThat(done.ceremonies()).singleElement().satisfies(c -> {
      assertThat(c.ca()).isEqualTo("issuing-b");
      assertThat(c.serial()).isEqualTo(caSerial);
      assertThat(c.command()).contains("ceremony revoke-ca " + caSerial + " --reason cACompromise");
    });
    assertThat(done.issuedByCompromisedCas()).containsExactlyInAnyOrder(otherSerial, importedSerial);
  }

  @Test
  @DisplayName("SS-002 11.6.2 — an availability-first key is declared only with the explicit override; without it nothing changes")
  void availabilityFirst() throws Exception {
    Compromise c = compromise(Set.of("issuing-a"));
    assertThatThrownBy(() -> c.declare(officer, new Compromise.Target.Key("ca.issuing-a"), "suspected", false))
        .isInstanceOf(ControlViolationException.class).hasMessageContaining("SS-002 11.6.2")
        .hasMessageContaining("--override-availability");
    assertThat(status(leafSerial)).isEqualTo("good");
    assertThat(keys.caKey("ca.issuing-a").state()).isEqualTo(KeyState.ACTIVE);
    assertThat(issue("issuing-a", CertificateAuthorityTest.ec(), "a.example.com")).isNotEmpty();

    Compromise.Declared done = c.declare(officer, new Compromise.Target.Key("ca.issuing-a"), "confirmed", true);
    assertThat(done.availabilityOverridden()).isTrue();
    assertThat(status(leafSerial)).isEqualTo("revoked");
  }

  @Test
  @DisplayName("bad input and callers without the grant are refused, naming what is wrong, and nothing changes")
  void badInput() {
    Compromise c = compromise(Set.of());
    assertThatThrownBy(() -> c.declare(officer, new Compromise.Target.Certificate("abcdef", Optional.empty()), "x", false))
        .isInstanceOf(NotFoundException.class).hasMessageContaining("abcdef");
    assertThatThrownBy(() -> c.declare(officer, new Compromise.Target.Certificate("zz", Optional.empty()), "x", false))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("hexadecimal");
    assertThatThrownBy(() -> c.declare(officer, new Compromise.Target.Key("ca.issuing-a"), " ", false))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("reason");
    assertThatThrownBy(() -> c.declare(officer, new Compromise.Target.PublicKey(Pem.write("PUBLIC KEY", new byte[] {1, 2})),
        "x", false)).isInstanceOf(InvalidInputException.class).hasMessageContaining("SubjectPublicKeyInfo");
    assertThatThrownBy(() -> c.declare(officer, new Compromise.Target.Key("no-such-key"), "x", false))
        .isInstanceOf(NotFoundException.class);
    Caller web = new Caller("web", "token", "", "r", Optional.of(Instant.now()));
    assertThatThrownBy(() -> c.declare(web, new Compromise.Target.Key("ca.issuing-a"), "x", false))
        .isInstanceOf(PermissionDeniedException.class);
    Caller staleOfficer = new Caller("alice", "token", "", "r", Optional.of(Instant.now().minus(Duration.ofHours(2))));
    assertThatThrownBy(() -> c.declare(staleOfficer, new Compromise.Target.Key("ca.issuing-a"), "x", false))
        .isInstanceOf(PermissionDeniedException.class);
    assertThat(certs.query(CertificateRecords.Query.all(100))).allSatisfy(r -> assertThat(r.status()).isEqualTo("good"));
    assertThat(keys.caKey("ca.issuing-a").state()).isEqualTo(KeyState.ACTIVE);
  }
}
