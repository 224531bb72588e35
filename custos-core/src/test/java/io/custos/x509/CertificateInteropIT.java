package io.custos.x509;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.crypto.AsymmetricProvider;
import io.custos.crypto.AsymmetricProviders;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import io.custos.crypto.KeyPairMaterial;
import io.custos.crypto.KeyPairType;
import io.custos.crypto.SignatureVerifier;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hierarchies Custos signs, checked by openssl and the JDK's PKIX validator. */
class CertificateInteropIT {
  private static final CryptoModule MODULE = FipsCryptoModule.start();
  private static final AsymmetricProvider PROVIDER = AsymmetricProviders.select("auto");
  private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);
  @TempDir Path dir;

  /** A CA: its key (kept for signing) and certificate. */
  private record Ca(KeyPairMaterial key, byte[] subject, byte[] cert) {
    Certificates.Issuer issuer() {
      AsymmetricProvider.PrivateKeyHandle h = PROVIDER.privateKey(key.type(), key.privateKey());
      return new Certificates.Issuer(subject, key.publicKey(), key.type(), h::sign);
    }
  }

  private static BigInteger serial() {
    byte[] b = new byte[16];
    MODULE.drbg().nextBytes(b);
    return new BigInteger(1, b).setBit(127);
  }

  private static Ca root(KeyPairType type, String name) {
    KeyPairMaterial key = MODULE.generateKeyPair(type);
    byte[] subject = Certificates.name(name);
    Certificates.Issuer self = new Ca(key, subject, new byte[0]).issuer();
    byte[] cert = Certificates.issue(new Certificates.Template(serial(), subject, key.publicKey(), NOW,
        NOW.plus(Duration.ofDays(365 * 20)), CaLevel.ROOT, Optional.empty(), Set.of("keyCertSign", "cRLSign"),
        List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), Optional.empty(), Optional.empty(),
        Optional.empty(), false), self);
    return new Ca(key, subject, cert);
  }

  private static Ca subordinate(Ca parent, KeyPairType type, String name) {
    KeyPairMaterial key = MODULE.generateKeyPair(type);
    byte[] subject = Certificates.name(name);
    byte[] cert = Certificates.issue(new Certificates.Template(serial(), subject, key.publicKey(), NOW,
        NOW.plus(Duration.ofDays(365 * 5)), CaLevel.SUBORDINATE, Optional.of(0), Set.of("keyCertSign", "cRLSign"),
        List.of(), List.of(), List.of(), List.of(), List.of(), List.of(Profile.CUSTOS_POLICY),
        Optional.of("http://127.0.0.1:8200/v1/ca/root/crl"), Optional.empty(), Optional.empty(), false), parent.issuer());
    return new Ca(key, subject, cert);
  }

  private static byte[] leaf(Ca ca, byte[] spki, byte[] subject, String eku, List<String> dns) {
    return Certificates.issue(new Certificates.Template(serial(), subject, spki, NOW, NOW.plus(Duration.ofDays(90)),
        CaLevel.END_ENTITY, Optional.empty(), Set.of("digitalSignature"), List.of(eku), dns, List.of(), List.of(),
        List.of(), List.of(Profile.CUSTOS_POLICY), Optional.of("http://127.0.0.1:8200/v1/ca/issuing/crl"),
        Optional.of("http://127.0.0.1:8200/v1/ocsp/issuing"), Optional.of("http://127.0.0.1:8200/v1/ca/issuing/cert"),
        false), ca.issuer());
  }

  private Path pem(String name, byte[] der) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
        + "\n-----END CERTIFICATE-----\n");
    return p;
  }

  private static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }

  private io.custos.x509.CertificationRequest opensslCsr(String curve) throws Exception {
    Path csr = dir.resolve("req.csr");
    String log = run("openssl", "req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:" + curve,
        "-keyout", dir.resolve("req.key").toString(), "-out", csr.toString(), "-subj", "/CN=shop.example.com");
    assertThat(Files.exists(csr)).as(log).isTrue();
    return new CsrParser(SignatureVerifier.of(PROVIDER)).parse(Files.readAllBytes(csr));
  }

  @Test
  @DisplayName("P-384 root → P-256 issuing CA → TLS server and client leaves pass openssl verify -x509_strict")
  void ecHierarchyVerifiesWithOpenssl() throws Exception {
    Ca root = root(KeyPairType.EC_P384, "CN=Custos Test Root,O=Example Ltd,C=GB");
    Ca issuing = subordinate(root, KeyPairType.EC_P256, "CN=Custos Test Issuing 1,O=Example Ltd,C=GB");
    io.custos.x509.CertificationRequest csr = opensslCsr("P-256");
    byte[] server = leaf(issuing, csr.key().spki(), Certificates.name("CN=shop.example.com"), "serverAuth",
        List.of("shop.example.com"));
    byte[] client = leaf(issuing, csr.key().spki(), Certificates.name("CN=payments-app"), "clientAuth", List.of());
    Path rootPem = pem("root.pem", root.cert());
    Path caPem = pem("issuing.pem", issuing.cert());
    assertThat(run("openssl", "verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", rootPem.toString(),
        "-untrusted", caPem.toString(), pem("server.pem", server).toString())).contains("server.pem: OK");
    assertThat(run("openssl", "verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", rootPem.toString(),
        "-untrusted", caPem.toString(), pem("client.pem", client).toString())).contains("client.pem: OK");
    // The server certificate is not a client certificate: one purpose per certificate.
    assertThat(run("openssl", "verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", rootPem.toString(),
        "-untrusted", caPem.toString(), dir.resolve("server.pem").toString())).doesNotContain("server.pem: OK");
    String text = run("openssl", "x509", "-noout", "-text", "-in", dir.resolve("server.pem").toString());
    assertThat(text).contains("X509v3 Key Usage: critical", "X509v3 Basic Constraints: critical", "CA:FALSE",
        "TLS Web Server Authentication", "DNS:shop.example.com", "OCSP - URI:http://127.0.0.1:8200/v1/ocsp/issuing",
        "X509v3 Subject Key Identifier", "X509v3 Authority Key Identifier", "X509v3 CRL Distribution Points");
  }

  @Test
  @DisplayName("RSA-PSS and Ed25519 CAs sign chains openssl accepts")
  void rsaPssAndEd25519() throws Exception {
    Ca rsaRoot = root(KeyPairType.RSA_3072, "CN=RSA Root,O=Example Ltd");
    Ca rsaCa = subordinate(rsaRoot, KeyPairType.RSA_3072, "CN=RSA Issuing,O=Example Ltd");
    io.custos.x509.CertificationRequest csr = opensslCsr("P-384");
    byte[] leaf = leaf(rsaCa, csr.key().spki(), Certificates.name("CN=shop.example.com"), "serverAuth",
        List.of("shop.example.com"));
    assertThat(run("openssl", "verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", pem("r.pem", rsaRoot.cert())
        .toString(), "-untrusted", pem("c.pem", rsaCa.cert()).toString(), pem("l.pem", leaf).toString())).contains("l.pem: OK");

    Ca edRoot = root(KeyPairType.ED25519, "CN=Ed Root,O=Example Ltd");
    Ca edCa = subordinate(edRoot, KeyPairType.ED25519, "CN=Ed Issuing,O=Example Ltd");
    byte[] edLeaf = leaf(edCa, csr.key().spki(), Certificates.name("CN=shop.example.com"), "serverAuth",
        List.of("shop.example.com"));
    assertThat(run("openssl", "verify", "-x509_strict", "-CAfile", pem("er.pem", edRoot.cert()).toString(), "-untrusted",
        pem("ec.pem", edCa.cert()).toString(), pem("el.pem", edLeaf).toString())).contains("el.pem: OK");
  }

  @Test
  @DisplayName("a full post-quantum hierarchy: ML-DSA-87 root → ML-DSA-65 CA → ML-DSA-44 leaf validates (PKIX)")
  void mlDsaHierarchy() throws Exception {
    Ca root = root(KeyPairType.ML_DSA_87, "CN=PQ Root,O=Example Ltd");
    Ca ca = subordinate(root, KeyPairType.ML_DSA_65, "CN=PQ Issuing,O=Example Ltd");
    KeyPairMaterial leafKey = MODULE.generateKeyPair(KeyPairType.ML_DSA_44);
    byte[] leaf = leaf(ca, leafKey.publicKey(), Certificates.name("CN=pq.example.com"), "serverAuth",
        List.of("pq.example.com"));
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    X509Certificate r = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(root.cert()));
    X509Certificate c = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(ca.cert()));
    X509Certificate l = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(leaf));
    PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(r, null)));
    params.setRevocationEnabled(false);
    CertPathValidator.getInstance("PKIX").validate(cf.generateCertPath(List.of(l, c)), params);
    assertThat(l.getSigAlgName()).isEqualToIgnoringCase("ML-DSA-65");
  }
}
