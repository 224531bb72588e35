package io.custos.x509;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.crypto.AsymmetricProviders;
import io.custos.crypto.SignatureVerifier;
import io.custos.failure.InvalidInputException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Requests made by {@code openssl req} and by hand, good and bad (SS-002 11.1.6: not trusted until verified). */
class CsrInteropIT {
  private static final SignatureVerifier VERIFIER = SignatureVerifier.of(AsymmetricProviders.select("auto"));
  private static final CsrParser PARSER = new CsrParser(VERIFIER);
  private static final Map<String, byte[]> OPENSSL = new HashMap<>();
  @TempDir static Path dir;

  @BeforeAll
  static void makeRequests() throws Exception {
    for (String spec : List.of("rsa:3072", "rsa:4096", "rsa:2048", "ec:P-256", "ec:P-384", "ed25519")) {
      OPENSSL.put(spec, openssl(spec, "DNS:shop.example.com,DNS:www.shop.example.com,IP:10.1.2.3"));
    }
    OPENSSL.put("wildcard", openssl("ec:P-256", "DNS:*.example.com,DNS:bad_name"));
  }

  private static byte[] openssl(String spec, String san) throws IOException, InterruptedException {
    String name = spec.replace(':', '-');
    Path out = dir.resolve(name + "-" + san.hashCode() + ".csr");
    List<String> cmd = new java.util.ArrayList<>(List.of("openssl", "req", "-new", "-nodes", "-keyout",
        dir.resolve(name + ".key").toString(), "-out", out.toString(), "-subj", "/CN=shop.example.com/O=Example Ltd/C=GB",
        "-addext", "subjectAltName=" + san));
    if (spec.startsWith("rsa:")) {
      cmd.addAll(List.of("-newkey", spec));
    } else if (spec.startsWith("ec:")) {
      cmd.addAll(List.of("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:" + spec.substring(3)));
    } else {
      cmd.addAll(List.of("-newkey", spec));
    }
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException("openssl req failed: " + log);
    }
    return Files.readAllBytes(out);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"rsa:3072", "rsa:4096", "ec:P-256", "ec:P-384", "ed25519"})
  @DisplayName("requests from openssl req are read and their proof of possession verified")
  void opensslRequests(String spec) {
    io.custos.x509.CertificationRequest csr = PARSER.parse(OPENSSL.get(spec));
    assertThat(csr.commonName()).contains("shop.example.com");
    assertThat(csr.subjectFields()).containsEntry("O", List.of("Example Ltd")).containsEntry("C", List.of("GB"));
    assertThat(csr.dnsNames()).containsExactly("shop.example.com", "www.shop.example.com");
    assertThat(csr.ipAddresses()).containsExactly("10.1.2.3");
    assertThat(csr.key().algorithm()).isEqualTo(switch (spec) {
      case "ec:P-256" -> "ecdsa-p256";
      case "ec:P-384" -> "ecdsa-p384";
      case "ed25519" -> "ed25519";
      default -> "rsa";
    });
    assertThat(RequestChecks.key(csr.key(), VERIFIER, 3072)).isEmpty();
    assertThat(RequestChecks.names(csr)).isEmpty();
    // DER in, same out.
    assertThat(PARSER.parse(csr.der()).der()).isEqualTo(csr.der());
  }

  @Test
  @DisplayName("an ML-DSA-65 request verifies")
  void mlDsa() throws Exception {
    KeyPair kp = KeyPairGenerator.getInstance("ML-DSA-65").generateKeyPair();
    byte[] der = request(kp, "ML-DSA-65", new ASN1ObjectIdentifier("2.16.840.1.101.3.4.3.18"), List.of(san("pq.example.com")));
    io.custos.x509.CertificationRequest csr = PARSER.parse(der);
    assertThat(csr.key().algorithm()).isEqualTo("ml-dsa-65");
    assertThat(csr.signatureAlgorithm()).isEqualTo("ML-DSA-65");
  }

  @Test
  @DisplayName("SS-002 11.3.9 — weak keys are refused: RSA below 3072 bits, ROCA-fingerprinted moduli")
  void weakKeys() {
    io.custos.x509.CertificationRequest csr = PARSER.parse(OPENSSL.get("rsa:2048"));
    assertThat(RequestChecks.key(csr.key(), VERIFIER, 3072)).extracting(Object::toString)
        .containsExactly("SS-002 11.3.9: RSA-2048 is below the 3072-bit minimum");
    // A modulus built to lie in <65537> modulo every marker prime carries the fingerprint; a random one does not.
    BigInteger m = BigInteger.ONE;
    for (int p : new int[] {3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
        101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167}) {
      m = m.multiply(BigInteger.valueOf(p));
    }
    BigInteger fingerprinted = BigInteger.valueOf(65537).modPow(BigInteger.valueOf(12345), m)
        .add(m.multiply(new BigInteger(2800, new java.util.Random(7))));
    assertThat(RequestChecks.rocaFingerprint(fingerprinted)).isTrue();
    assertThat(RequestChecks.rocaFingerprint(new BigInteger(3072, new java.util.Random(8)).setBit(0))).isFalse();
  }

  @Test
  @DisplayName("SS-002 11.1.9 — wildcard DNS names are refused, and malformed host names too, all listed at once")
  void wildcards() {
    io.custos.x509.CertificationRequest csr = PARSER.parse(OPENSSL.get("wildcard"));
    assertThat(RequestChecks.names(csr)).extracting(Object::toString).containsExactly(
        "SS-002 11.1.9: DNS name '*.example.com' is a wildcard (left-side wildcard); wildcard certificates are never issued",
        "SS-002 11.1.6: DNS name 'bad_name' is not a fully qualified host name");
  }

  @Test
  @DisplayName("a request whose signature does not verify is refused")
  void tampered() {
    byte[] der = PARSER.parse(OPENSSL.get("ec:P-256")).der();
    // Change a byte inside the subject: the signature no longer covers what is there.
    String text = new String(der, StandardCharsets.ISO_8859_1);
    int at = text.indexOf("Example Ltd");
    der[at] = 'X';
    assertThatThrownBy(() -> PARSER.parse(der)).isInstanceOf(InvalidInputException.class)
        .hasMessage("the request's proof-of-possession signature does not verify under its own key");
  }

  @Test
  @DisplayName("garbage, truncated, oversized, wrong-type, duplicated-extension requests: each refused saying why")
  void badInput() throws Exception {
    byte[] good = PARSER.parse(OPENSSL.get("ec:P-256")).der();
    assertThatThrownBy(() -> PARSER.parse("hello".getBytes(StandardCharsets.UTF_8)))
        .hasMessageStartingWith("not a PKCS#10 certification request");
    assertThatThrownBy(() -> PARSER.parse(Arrays.copyOf(good, good.length - 10)))
        .hasMessageStartingWith("not a PKCS#10 certification request");
    byte[] trailing = Arrays.copyOf(good, good.length + 2);
    assertThatThrownBy(() -> PARSER.parse(trailing)).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> PARSER.parse(new byte[CsrParser.MAX_BYTES + 1]))
        .hasMessage("the certification request is 65537 bytes; the limit is 65536");
    assertThatThrownBy(() -> PARSER.parse(new byte[0])).hasMessage("the certification request is empty");
    String cert = "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder().encodeToString(good) + "\n-----END CERTIFICATE-----\n";
    assertThatThrownBy(() -> PARSER.parse(cert.getBytes(StandardCharsets.US_ASCII)))
        .hasMessage("expected a PEM CERTIFICATE REQUEST, found CERTIFICATE");
    String twice = new String(OPENSSL.get("ec:P-256"), StandardCharsets.US_ASCII).repeat(2);
    assertThatThrownBy(() -> PARSER.parse(twice.getBytes(StandardCharsets.US_ASCII)))
        .hasMessage("give one certification request, not several");

    KeyPair kp = KeyPairGenerator.getInstance("EC").generateKeyPair();
    byte[] dup = request(kp, "SHA256withECDSA", new ASN1ObjectIdentifier("1.2.840.10045.4.3.2"),
        List.of(san("a.example.com"), san("b.example.com")));
    assertThatThrownBy(() -> PARSER.parse(dup)).hasMessage("the request asks for extension 2.5.29.17 more than once");

    KeyPair rsa = KeyPairGenerator.getInstance("RSA").generateKeyPair();
    byte[] sha1 = request(rsa, "SHA1withRSA", PKCSObjectIdentifiers.sha1WithRSAEncryption, List.of());
    assertThatThrownBy(() -> PARSER.parse(sha1)).hasMessageStartingWith("the request is signed with 1.2.840.113549.1.1.5, "
        + "which is not an approved scheme");
  }

  private static Extension san(String dns) throws IOException {
    return new Extension(Extension.subjectAlternativeName, false,
        new DEROctetString(new GeneralNames(new GeneralName(GeneralName.dNSName, dns))));
  }

  /** A request built by hand, so that it can be wrong in ways openssl will not make. */
  static byte[] request(KeyPair kp, String jcaSig, ASN1ObjectIdentifier sigOid, List<Extension> extensions) throws Exception {
    ASN1EncodableVector exts = new ASN1EncodableVector();
    extensions.forEach(exts::add);
    ASN1EncodableVector attrs = new ASN1EncodableVector();
    if (!extensions.isEmpty()) {
      attrs.add(new Attribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, new DERSet(new DERSequence(exts))));
    }
    CertificationRequestInfo info = new CertificationRequestInfo(new X500Name("CN=test.example.com"),
        SubjectPublicKeyInfo.getInstance(kp.getPublic().getEncoded()), new DERSet(attrs));
    Signature s = Signature.getInstance(jcaSig);
    s.initSign(kp.getPrivate());
    s.update(info.getEncoded("DER"));
    return new CertificationRequest(info, new AlgorithmIdentifier(sigOid), new DERBitString(s.sign())).getEncoded("DER");
  }
}
