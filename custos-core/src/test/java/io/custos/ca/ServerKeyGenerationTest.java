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
import io.custos.crypto.CustodianEnvelope;
import io.custos.crypto.EncryptedPrivateKeys;
import io.custos.crypto.FipsCryptoModule;
import io.custos.crypto.Pem;
import io.custos.crypto.SecretBytes;
import io.custos.crypto.SignatureVerifier;
import io.custos.failure.ControlViolationException;
import io.custos.failure.InvalidInputException;
import io.custos.failure.PermissionDeniedException;
import io.custos.kms.AlgorithmPolicy;
import io.custos.kms.KeyManager;
import io.custos.store.MemoryCertificateRecords;
import io.custos.store.MemoryRecordStore;
import io.custos.x509.CaLevel;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.EncryptedPrivateKeyInfo;
import org.bouncycastle.asn1.pkcs.PBES2Parameters;
import org.bouncycastle.asn1.pkcs.PBKDF2Params;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** SS-002 11.1.2: keys generated away from their end entity only where allowed, and only encrypted. */
class ServerKeyGenerationTest {
  private static final CryptoModule MODULE = FipsCryptoModule.start();
  private static final AsymmetricProvider PROVIDER = AsymmetricProviders.select("auto");
  private static final String PASSWORD = "correct horse battery staple";
  private final MemoryRecordStore records = new MemoryRecordStore();
  private final Barrier barrier = new Barrier(BarrierKeyring.create(MODULE));
  private final MemoryCertificateRecords certs = new MemoryCertificateRecords();
  private final AccessControl access = new AccessControl(records, () -> barrier, MODULE, Clock.systemUTC());
  private KeyManager keys;
  private CertificateAuthority ca;
  private Caller devices;

  @BeforeEach
  void setUp() {
    keys = new KeyManager(records, () -> barrier, MODULE, PROVIDER, AlgorithmPolicy.defaults(), access, Clock.systemUTC());
    ca = new CertificateAuthority(records, () -> barrier, keys, certs, access, SignatureVerifier.of(PROVIDER), MODULE.drbg(),
        Clock.systemUTC(), id -> access.principal(id).map(p -> new CertificateAuthority.Owner(p.id(), p.displayName(),
            p.email())), "http://127.0.0.1:8200", List.of());
    access.writePolicy(new Policy("officer-issue", 0, "", List.of(Grant.of("ca:issue", "ca/**")), Set.of(),
        Policy.DEFAULT_STEP_UP));
    access.writePolicy(new Policy("device-certs", 0, "", List.of(
        new Grant("ca:issue", "ca/issuing/profiles/tls-client", Map.of("dns", List.of("*.devices.example.com"))),
        new Grant("ca:issue", "ca/issuing/profiles/tls-server", Map.of("dns", List.of("*.devices.example.com")))),
        Set.of(), Policy.DEFAULT_STEP_UP));
    access.createPrincipal(new Principal("alice", PrincipalKind.PERSON, "Alice Officer", "alice@example.com",
        Optional.empty(), List.of("crypto-officer"), List.of("officer-issue"), List.of(), false, Instant.now()));
    access.createPrincipal(new Principal("fleet", PrincipalKind.MACHINE, "Device fleet", "fleet@example.com",
        Optional.empty(), List.of("requester"), List.of("device-certs"), List.of(), false, Instant.now()));
    Caller officer = new Caller("alice", "token", "", "r", Optional.of(Instant.now()));
    devices = new Caller("fleet", "token", "", "r");
    ca.createDevRoot(officer, "root", "ecdsa-p384", "CN=Test Root,O=Example Ltd,C=GB", Duration.ofDays(365 * 10));
    ca.create(officer, "issuing", CaLevel.SUBORDINATE, "ecdsa-p256", "CN=Test Issuing,O=Example Ltd,C=GB");
    ca.signSubordinate(officer, "root", "issuing", Duration.ofDays(365 * 3));
  }

  @AfterEach
  void tearDown() {
    keys.close();
    barrier.close();
  }

  private static CertificateAuthority.KeyGenerationRequest device(String algorithm, String subject, String... dns) {
    return new CertificateAuthority.KeyGenerationRequest(algorithm, subject, List.of(dns), List.of());
  }

  private static SecretBytes password(String pw) {
    return SecretBytes.copyOf(pw.getBytes(StandardCharsets.UTF_8));
  }

  private static X509Certificate x509(byte[] der) throws Exception {
    return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
  }

  /** Decrypts PBES2 with the JDK alone (PBKDF2WithHmacSHA256, AES/CBC), independently of how it was written. */
  private static byte[] decryptPkcs8(String pem, String pw, int[] iterationsOut) throws Exception {
    byte[] der = Pem.read(pem).getFirst().der();
    EncryptedPrivateKeyInfo info = EncryptedPrivateKeyInfo.getInstance(der);
    assertThat(info.getEncryptionAlgorithm().getAlgorithm()).isEqualTo(PKCSObjectIdentifiers.id_PBES2);
    PBES2Parameters pbes2 = PBES2Parameters.getInstance(info.getEncryptionAlgorithm().getParameters());
    assertThat(pbes2.getKeyDerivationFunc().getAlgorithm()).isEqualTo(PKCSObjectIdentifiers.id_PBKDF2);
    PBKDF2Params kdf = PBKDF2Params.getInstance(pbes2.getKeyDerivationFunc().getParameters());
    assertThat(kdf.getPrf().getAlgorithm()).isEqualTo(PKCSObjectIdentifiers.id_hmacWithSHA256);
    assertThat(pbes2.getEncryptionScheme().getAlgorithm()).isEqualTo(NISTObjectIdentifiers.id_aes256_CBC);
    iterationsOut[0] = kdf.getIterationCount().intValueExact();
    byte[] key = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(new PBEKeySpec(pw.toCharArray(),
        kdf.getSalt(), iterationsOut[0], 256)).getEncoded();
    byte[] iv = ASN1OctetString.getInstance(pbes2.getEncryptionScheme().getParameters()).getOctets();
    Cipher aes = Cipher.getInstance("AES/CBC/PKCS5Padding");
    aes.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
    return aes.doFinal(info.getEncryptedData());
  }

  private static void assertPairs(byte[] pkcs8, X509Certificate cert, String keyAlg, String sigAlg) throws Exception {
    PrivateKey priv = KeyFactory.getInstance(keyAlg).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    Signature s = Signature.getInstance(sigAlg);
    s.initSign(priv);
    s.update("proof".getBytes(StandardCharsets.US_ASCII));
    byte[] sig = s.sign();
    s.initVerify(cert.getPublicKey());
    s.update("proof".getBytes(StandardCharsets.US_ASCII));
    assertThat(s.verify(sig)).as("the returned private key belongs to the certified public key").isTrue();
  }

  @Test
  @DisplayName("SS-002 11.1.2 — a profile that does not allow server-side key generation refuses it, naming the control, and stores nothing")
  void refusedByProfile() {
    try (SecretBytes pw = password(PASSWORD)) {
      assertThatThrownBy(() -> ca.issueWithGeneratedKey(devices, "issuing", "tls-server",
          device("ecdsa-p256", "CN=a.devices.example.com", "a.devices.example.com"),
          CertificateAuthority.KeyDelivery.password(pw), "fleet", Optional.empty()))
          .isInstanceOf(ControlViolationException.class).hasMessageContaining("SS-002 11.1.2")
          .hasMessageContaining("tls-server");
    }
    assertThat(certs.count()).isZero();
  }

  @Test
  @DisplayName("SS-002 11.1.2 — the generated key comes back only as PKCS#8 PBES2 (PBKDF2-HMAC-SHA-256, 600,000 iterations, AES-256-CBC) and matches the certificate")
  void passwordProtected() throws Exception {
    CertificateAuthority.IssuedWithKey out;
    try (SecretBytes pw = password(PASSWORD)) {
      out = ca.issueWithGeneratedKey(devices, "issuing", "tls-client",
          device("ecdsa-p256", "CN=a.devices.example.com,O=Example Ltd", "a.devices.example.com"),
          CertificateAuthority.KeyDelivery.password(pw), "fleet", Optional.of(Duration.ofDays(30)));
      assertThat(pw.isWiped()).as("the caller's password holder is the caller's to wipe").isFalse();
    }
    assertThat(out.delivery()).isEqualTo("pkcs8-pbes2");
    assertThat(out.privateKey()).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----").doesNotContain("BEGIN PRIVATE KEY");
    assertThat(out.toString()).doesNotContain(out.privateKey());
    int[] iterations = new int[1];
    byte[] pkcs8 = decryptPkcs8(out.privateKey(), PASSWORD, iterations);
    assertThat(iterations[0]).isEqualTo(EncryptedPrivateKeys.PBKDF2_ITERATIONS).isGreaterThanOrEqualTo(600_000);
    X509Certificate cert = x509(out.issued().certificate());
    assertPairs(pkcs8, cert, "EC", "SHA256withECDSA");
    assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
    assertThat(cert.getSubjectAlternativeNames().stream().map(l -> (Object) l.get(1)).toList()).containsExactly("a.devices.example.com");
    var row = certs.get(out.issued().serial()).orElseThrow();
    assertThat(row.profile()).isEqualTo("tls-client");
    assertThat(row.owner()).isEqualTo("fleet");
    assertThat(decryptFails(out.privateKey(), "a wrong password of length")).isTrue();
  }

  private static boolean decryptFails(String pem, String pw) {
    try {
      decryptPkcs8(pem, pw, new int[1]);
      return false;
    } catch (Exception e) {
      return true;
    }
  }

  @Test
  @DisplayName("SS-002 11.1.2 — a key wrapped for the requester's EC P-256 public key opens only with the requester's private key")
  void wrappedForRequester() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair requester = g.generateKeyPair();
    CustodianEnvelope.Recipient recipient = CustodianEnvelope.Recipient.fromPem(
        Pem.write("PUBLIC KEY", requester.getPublic().getEncoded()));
    CertificateAuthority.IssuedWithKey out = ca.issueWithGeneratedKey(devices, "issuing", "tls-client",
        device("ml-dsa-65", "CN=b.devices.example.com", "b.devices.example.com"),
        CertificateAuthority.KeyDelivery.wrapFor(recipient), "fleet", Optional.empty());
    assertThat(out.delivery()).isEqualTo("envelope");
    assertThat(CustodianEnvelope.isEnvelope(out.privateKey())).isTrue();
    assertThat(CustodianEnvelope.recipientFingerprint(out.privateKey())).isEqualTo(recipient.fingerprint());
    try (SecretBytes mine = SecretBytes.copyOf(requester.getPrivate().getEncoded());
        SecretBytes pkcs8 = CustodianEnvelope.open(mine, out.privateKey())) {
      assertPairs(pkcs8.use(byte[]::clone), x509(out.issued().certificate()), "ML-DSA", "ML-DSA");
    }
  }

  @Test
  @DisplayName("SS-002 11.1.2 — password-protected keys are derived one at a time per node: a second concurrent request is told to retry, nothing made or stored")
  void onePasswordDerivationAtATime() throws Exception {
    ca.passwordSlots.acquire();
    try (SecretBytes pw = password(PASSWORD)) {
      assertThatThrownBy(() -> ca.issueWithGeneratedKey(devices, "issuing", "tls-client",
          device("ecdsa-p256", "CN=b.devices.example.com,O=Example Ltd", "b.devices.example.com"),
          CertificateAuthority.KeyDelivery.password(pw), "fleet", Optional.empty()))
          .isInstanceOf(io.custos.failure.UnavailableException.class).hasMessageContaining("wrap_for");
    } finally {
      ca.passwordSlots.release();
    }
    assertThat(certs.count()).isZero();
    assertThat(ca.passwordSlots.availablePermits()).isEqualTo(1);
  }

  @Test
  @DisplayName("SS-002 11.1.2 — a key password shorter than 16 characters, or both or neither ways of return, is refused before any key is made")
  void badDelivery() {
    try (SecretBytes pw = password("short-password")) {
      assertThatThrownBy(() -> ca.issueWithGeneratedKey(devices, "issuing", "tls-client",
          device("ecdsa-p256", "CN=c.devices.example.com", "c.devices.example.com"),
          CertificateAuthority.KeyDelivery.password(pw), "fleet", Optional.empty()))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("at least 16 characters");
    }
    assertThatThrownBy(() -> new CertificateAuthority.KeyDelivery(Optional.empty(), Optional.empty()))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("exactly one");
    assertThat(certs.count()).isZero();
  }

  @Test
  @DisplayName("SS-002 11.1.6, 11.1.9, 11.3.9 — a generated-key request passes the same checks as a CSR: names outside the grant, wildcards, subject fields, weak algorithms")
  void sameChecksAsCsr() {
    try (SecretBytes pw = password(PASSWORD)) {
      CertificateAuthority.KeyDelivery d = CertificateAuthority.KeyDelivery.password(pw);
      assertThatThrownBy(() -> ca.issueWithGeneratedKey(devices, "issuing", "tls-client",
          device("ecdsa-p256", "CN=shop.example.com", "shop.example.com"), d, "fleet", Optional.empty()))
          .isInstanceOf(PermissionDeniedException.class);
      Caller officer = new Caller("alice", "token", "", "r", Optional.of(Instant.now()));
      assertThatThrownBy(() -> ca.issueWithGeneratedKey(officer, "issuing", "tls-client",
          device("ecdsa-p256", "O=Example Ltd", "*.devices.example.com"), d, "fleet", Optional.of(Duration.ofDays(800))))
          .isInstanceOf(ControlViolationException.class)
          .hasMessageContaining("wildcard").hasMessageContaining("requires subject field CN")
          .hasMessageContaining("SS-002 11.1.9");
      assertThatThrownBy(() -> ca.issueWithGeneratedKey(officer, "issuing", "tls-client",
          device("rsa-2048", "CN=d.devices.example.com", "d.devices.example.com"), d, "fleet", Optional.empty()))
          .hasMessageContaining("rsa-2048");
      assertThatThrownBy(() -> ca.issueWithGeneratedKey(officer, "issuing", "tls-client",
          device("aes-256-gcm", "CN=d.devices.example.com", "d.devices.example.com"), d, "fleet", Optional.empty()))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("signing");
      assertThatThrownBy(() -> ca.issueWithGeneratedKey(officer, "issuing", "tls-client",
          device("ecdsa-p256", "not a name", "d.devices.example.com"), d, "fleet", Optional.empty()))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("distinguished name");
    }
    assertThat(certs.count()).isZero();
  }
}
