package io.custos.x509;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.crypto.AsymmetricProvider;
import io.custos.crypto.AsymmetricProviders;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import io.custos.crypto.KeyPairMaterial;
import io.custos.crypto.KeyPairType;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.KeyFactory;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The certificate encoder: one encoding of the body, assembled around exactly the bytes signed. */
class CertificatesTest {
  private static final CryptoModule MODULE = FipsCryptoModule.start();
  private static final AsymmetricProvider PROVIDER = AsymmetricProviders.select("auto");

  @Test
  @DisplayName("RFC 5280 4.1 — an issued certificate is strict DER, its signature verifies, and validity times keep their encoding")
  void assembledCertificateIsDerAndVerifies() throws Exception {
    try (KeyPairMaterial ca = MODULE.generateKeyPair(KeyPairType.EC_P256);
        KeyPairMaterial leaf = MODULE.generateKeyPair(KeyPairType.EC_P256);
        AsymmetricProvider.PrivateKeyHandle signer = PROVIDER.privateKey(KeyPairType.EC_P256, ca.privateKey())) {
      byte[] issuerName = Certificates.name("CN=Issuing,O=Example Ltd,C=GB");
      Instant notBefore = Instant.parse("2049-12-31T23:59:59.750Z");
      Instant notAfter = Instant.parse("2050-01-01T00:00:00Z");
      byte[] der = Certificates.issue(new Certificates.Template(BigInteger.valueOf(0x1234567), Certificates.name(
          "CN=host.example.com"), leaf.publicKey(), notBefore, notAfter, CaLevel.END_ENTITY, Optional.empty(),
          Set.of("digitalSignature"), List.of("serverAuth"), List.of("host.example.com"), List.of("10.0.0.1"),
          List.of(), List.of(), List.of(), Optional.of("http://127.0.0.1/crl"), Optional.empty(), Optional.empty(),
          false), new Certificates.Issuer(issuerName, ca.publicKey(), KeyPairType.EC_P256, signer::sign));

      // Strict DER: Bouncy Castle's own encoding of what it reads back is byte for byte the same.
      assertThat(org.bouncycastle.asn1.x509.Certificate.getInstance(der).getEncoded("DER")).isEqualTo(der);
      X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(der));
      cert.verify(KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(ca.publicKey())));
      assertThat(cert.getNotBefore().toInstant()).isEqualTo(Instant.parse("2049-12-31T23:59:59Z"));
      assertThat(cert.getNotAfter().toInstant()).isEqualTo(notAfter);
      var tbs = org.bouncycastle.asn1.x509.Certificate.getInstance(der).getTBSCertificate();
      // UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5).
      assertThat(tbs.getStartDate().toASN1Primitive()).isInstanceOf(org.bouncycastle.asn1.ASN1UTCTime.class);
      assertThat(tbs.getEndDate().toASN1Primitive()).isInstanceOf(org.bouncycastle.asn1.ASN1GeneralizedTime.class);
      assertThat(cert.getSerialNumber()).isEqualTo(BigInteger.valueOf(0x1234567));
    }
  }
}
