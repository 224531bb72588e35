package io.custos.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.access.AccessGate;
import io.custos.access.Caller;
import io.custos.barrier.Barrier;
import io.custos.barrier.BarrierKeyring;
import io.custos.crypto.AsymmetricProvider;
import io.custos.crypto.AsymmetricProviders;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import io.custos.crypto.KeyPairType;
import io.custos.crypto.SignatureVerifier;
import io.custos.failure.ConflictException;
import io.custos.failure.ControlViolationException;
import io.custos.failure.UnavailableException;
import io.custos.kms.AlgorithmPolicy;
import io.custos.kms.KeyManager;
import io.custos.store.MemoryCertificateRecords;
import io.custos.store.MemoryRecordStore;
import io.custos.store.StoredRecord;
import io.custos.x509.CaLevel;
import io.custos.x509.Certificates;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Issuance keeps the active CA decoded in memory; these tests show that every change of the CA
 * — activation, a new certificate written by any writer, a state change, sealing — is seen by
 * the very next request.
 */
class ActiveCaCacheTest {
  private static final CryptoModule MODULE = FipsCryptoModule.start();
  private static final AsymmetricProvider PROVIDER = AsymmetricProviders.select("auto");
  private static final ASN1ObjectIdentifier ECDSA_SHA256 = new ASN1ObjectIdentifier("1.2.840.10045.4.3.2");
  private static final Caller OFFICER = new Caller("alice", "token", "", "r");
  private final MemoryRecordStore records = new MemoryRecordStore();
  private final Barrier barrier = new Barrier(BarrierKeyring.create(MODULE));
  private final AtomicReference<Barrier> current = new AtomicReference<>(barrier);
  private KeyManager keys;
  private CertificateAuthority ca;

  @BeforeEach
  void setUp() {
    java.util.function.Supplier<Barrier> unsealed = () -> {
      Barrier b = current.get();
      if (b == null) {
        throw new UnavailableException("sealed");
      }
      return b;
    };
    keys = new KeyManager(records, unsealed, MODULE, PROVIDER, AlgorithmPolicy.defaults(), AccessGate.devMode(),
        Clock.systemUTC());
    ca = authority(unsealed);
    ca.createDevRoot(OFFICER, "root", "ecdsa-p384", "CN=Test Root,O=Example Ltd,C=GB", Duration.ofDays(365 * 10));
    ca.create(OFFICER, "issuing", CaLevel.SUBORDINATE, "ecdsa-p256", "CN=Test Issuing,O=Example Ltd,C=GB");
    ca.signSubordinate(OFFICER, "root", "issuing", Duration.ofDays(365 * 3));
  }

  private CertificateAuthority authority(java.util.function.Supplier<Barrier> unsealed) {
    return new CertificateAuthority(records, unsealed, keys, new MemoryCertificateRecords(), AccessGate.devMode(),
        SignatureVerifier.of(PROVIDER), MODULE.drbg(), Clock.systemUTC(),
        id -> Optional.of(new CertificateAuthority.Owner(id, "Web shop", "web@example.com")), "http://127.0.0.1:8200",
        List.of());
  }

  @AfterEach
  void tearDown() {
    keys.close();
    barrier.close();
  }

  private CertificateAuthority.Issued issue(String caName, Optional<Duration> validity) throws Exception {
    byte[] req = CertificateAuthorityTest.csr(CertificateAuthorityTest.ec(), "SHA256withECDSA", ECDSA_SHA256,
        "CN=shop.example.com", List.of("shop.example.com"));
    return ca.issue(OFFICER, caName, "tls-server", req, "web", validity);
  }

  @Test
  @DisplayName("SS-002 11.3.1 — a CA is issuing the moment it is activated, and not a moment before")
  void activationVisibleAtOnce() throws Exception {
    issue("issuing", Optional.empty());
    ca.create(OFFICER, "issuing-2", CaLevel.SUBORDINATE, "ecdsa-p256", "CN=Second Issuing,O=Example Ltd,C=GB");
    assertThatThrownBy(() -> issue("issuing-2", Optional.empty())).isInstanceOf(ConflictException.class)
        .hasMessageContaining("pending");
    ca.signSubordinate(OFFICER, "root", "issuing-2", Duration.ofDays(365 * 2));
    CertificateAuthority.Issued issued = issue("issuing-2", Optional.empty());
    assertThat(CertificateAuthority.x509(issued.chain().getFirst()).getSubjectX500Principal().getName())
        .contains("CN=Second Issuing");
    // The first CA is still served from its own copy.
    assertThat(CertificateAuthority.x509(issue("issuing", Optional.empty()).chain().getFirst())
        .getSubjectX500Principal().getName()).contains("CN=Test Issuing");
  }

  @Test
  @DisplayName("SS-002 11.1.9 — a new CA certificate written by another writer is used, and its notAfter enforced, by the next request")
  void rewriteByAnotherWriterVisibleAtOnce() throws Exception {
    CertificateAuthority.Issued before = issue("issuing", Optional.of(Duration.ofDays(300)));
    StoredRecord r = records.get(CertificateAuthority.CA_TYPE, "issuing").orElseThrow();
    CaState old = CaState.decode(barrier.open(CertificateAuthority.CA_TYPE, "issuing", r.version(), r.payload()));

    // Another writer (another node on the same store) puts a renewed, shorter-lived certificate.
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    byte[] rootSubject = CertificateAuthority.x509(old.chain().getLast()).getSubjectX500Principal().getEncoded();
    byte[] renewed = Certificates.issue(new Certificates.Template(BigInteger.valueOf(4242), old.subjectDer(),
        keys.caKey("ca.issuing").newest().publicKey(), now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofDays(200)),
        CaLevel.SUBORDINATE, Optional.of(0), Set.of("keyCertSign", "cRLSign"), List.of(), List.of(), List.of(),
        List.of(), List.of(), List.of(), Optional.empty(), Optional.empty(), Optional.empty(), false),
        new Certificates.Issuer(rootSubject, keys.caKey("ca.root").newest().publicKey(), KeyPairType.EC_P384,
            tbs -> keys.signAsCa("ca.root", tbs)));
    CaState next = new CaState(old.name(), old.level(), old.keyName(), "active", old.subjectDer(), Optional.of(renewed),
        old.chain(), old.owner(), old.createdAt(), Optional.empty());
    records.put(CertificateAuthority.CA_TYPE, "issuing",
        barrier.seal(CertificateAuthority.CA_TYPE, "issuing", r.version() + 1, next.encode()), r.version());

    assertThat(before.chain().getFirst()).isNotEqualTo(renewed);
    assertThat(issue("issuing", Optional.of(Duration.ofDays(150))).chain().getFirst()).isEqualTo(renewed);
    assertThatThrownBy(() -> issue("issuing", Optional.of(Duration.ofDays(300))))
        .isInstanceOf(ControlViolationException.class).hasMessageContaining("would outlive its issuer");

    // And a state change by that writer stops issuance at once.
    CaState stopped = new CaState(old.name(), old.level(), old.keyName(), "pending", old.subjectDer(),
        Optional.of(renewed), old.chain(), old.owner(), old.createdAt(), Optional.empty());
    records.put(CertificateAuthority.CA_TYPE, "issuing",
        barrier.seal(CertificateAuthority.CA_TYPE, "issuing", r.version() + 2, stopped.encode()), r.version() + 1);
    assertThatThrownBy(() -> issue("issuing", Optional.empty())).isInstanceOf(ConflictException.class)
        .hasMessageContaining("is pending");
  }

  @Test
  @DisplayName("SS-002 11.3.6 — once sealed, a CA held in memory issues nothing; unsealed again, it issues")
  void sealedMeansNothingIssued() throws Exception {
    issue("issuing", Optional.empty());
    current.set(null);
    ca.forget();
    keys.wipe();
    assertThatThrownBy(() -> issue("issuing", Optional.empty())).isInstanceOf(UnavailableException.class);
    current.set(barrier);
    X509Certificate cert = CertificateAuthority.x509(issue("issuing", Optional.empty()).certificate());
    assertThat(cert.getIssuerX500Principal().getName()).contains("CN=Test Issuing");
  }

  @Test
  @DisplayName("SS-002 11.3.6 — a copy cached under one barrier is not used under another")
  void sealedWithoutForgetStillRefuses() throws Exception {
    issue("issuing", Optional.empty());
    current.set(null); // sealed, and nobody told the authority
    assertThatThrownBy(() -> issue("issuing", Optional.empty())).isInstanceOf(UnavailableException.class);
  }
}
