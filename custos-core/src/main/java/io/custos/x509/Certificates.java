package io.custos.x509;

import io.custos.crypto.KeyPairType;
import io.custos.failure.InvalidInputException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSASSAPSSparams;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.CertificatePolicies;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.PolicyInformation;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.X509ObjectIdentifiers;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;

/**
 * Builds and signs X.509 v3 certificates (RFC 5280): BasicConstraints and KeyUsage critical,
 * EKU, SAN, SKI/AKI (RFC 7093 method 1: the leftmost 160 bits of SHA-256 of the key), CRL
 * distribution point, AIA (OCSP and caIssuers) and certificate policies. The signature is made
 * by a function — the CA key never leaves whatever holds it.
 */
public final class Certificates {
  private Certificates() {}

  /** Who signs: the issuer's name and key, and the signing function of its private key. */
  public record Issuer(byte[] subjectDer, byte[] spki, KeyPairType keyType, Function<byte[], byte[]> sign) {
    public Issuer {
      subjectDer = subjectDer.clone();
      spki = spki.clone();
      Objects.requireNonNull(keyType, "keyType");
      Objects.requireNonNull(sign, "sign");
    }
  }

  /**
   * What the certificate says.
   *
   * @param subjectDer the subject name, DER (copied from a request, or from {@link #name})
   * @param pathLength for CA certificates, the path length constraint, if any
   */
  public record Template(
      BigInteger serial,
      byte[] subjectDer,
      byte[] spki,
      Instant notBefore,
      Instant notAfter,
      CaLevel level,
      Optional<Integer> pathLength,
      Set<String> keyUsage,
      List<String> extendedKeyUsage,
      List<String> dnsNames,
      List<String> ipAddresses,
      List<String> emails,
      List<String> uris,
      List<String> policyOids,
      Optional<String> crlUrl,
      Optional<String> ocspUrl,
      Optional<String> caIssuersUrl,
      boolean ocspNoCheck) {
    public Template {
      Objects.requireNonNull(serial, "serial");
      subjectDer = subjectDer.clone();
      spki = spki.clone();
      keyUsage = Set.copyOf(keyUsage);
      extendedKeyUsage = List.copyOf(extendedKeyUsage);
      dnsNames = List.copyOf(dnsNames);
      ipAddresses = List.copyOf(ipAddresses);
      emails = List.copyOf(emails);
      uris = List.copyOf(uris);
      policyOids = List.copyOf(policyOids);
      if (serial.signum() <= 0 || serial.bitLength() > 159) {
        throw new InvalidInputException("serial numbers are positive and at most 20 octets");
      }
      if (!notAfter.isAfter(notBefore)) {
        throw new InvalidInputException("notAfter must be after notBefore");
      }
    }
  }

  private static final Map<String, Integer> KEY_USAGE = Map.of(
      "digitalSignature", KeyUsage.digitalSignature, "nonRepudiation", KeyUsage.nonRepudiation,
      "keyEncipherment", KeyUsage.keyEncipherment, "dataEncipherment", KeyUsage.dataEncipherment,
      "keyAgreement", KeyUsage.keyAgreement, "keyCertSign", KeyUsage.keyCertSign, "cRLSign", KeyUsage.cRLSign);
  private static final Map<String, KeyPurposeId> EKU = Map.of(
      "serverAuth", KeyPurposeId.id_kp_serverAuth, "clientAuth", KeyPurposeId.id_kp_clientAuth,
      "codeSigning", KeyPurposeId.id_kp_codeSigning, "OCSPSigning", KeyPurposeId.id_kp_OCSPSigning,
      "emailProtection", KeyPurposeId.id_kp_emailProtection, "timeStamping", KeyPurposeId.id_kp_timeStamping);
  private static final ASN1ObjectIdentifier OCSP_NOCHECK = new ASN1ObjectIdentifier("1.3.6.1.5.5.7.48.1.5");

  /** The key usage names a profile may use. */
  public static java.util.Set<String> keyUsageNames() {
    return KEY_USAGE.keySet();
  }

  /** The extended key usage names a profile may use. */
  public static java.util.Set<String> extendedKeyUsageNames() {
    return EKU.keySet();
  }

  /** A distinguished name from RFC 4514 text such as {@code CN=Custos Root,O=Example,C=GB}, as DER. */
  public static byte[] name(String rfc4514) {
    try {
      return new X500Name(BCStyle.INSTANCE, rfc4514).getEncoded("DER");
    } catch (IllegalArgumentException | IOException e) {
      throw new InvalidInputException("'" + rfc4514 + "' is not a distinguished name such as CN=Name,O=Org,C=GB");
    }
  }

  /** The RFC 4514 text of a DER name. */
  public static String nameText(byte[] der) {
    return X500Name.getInstance(der).toString();
  }

  /** Signs {@code t} as {@code issuer}; returns the certificate's DER. */
  public static byte[] issue(Template t, Issuer issuer) {
    try {
      X509v3CertificateBuilder b = new X509v3CertificateBuilder(X500Name.getInstance(issuer.subjectDer()), t.serial(),
          time(t.notBefore()), time(t.notAfter()), X500Name.getInstance(t.subjectDer()),
          SubjectPublicKeyInfo.getInstance(t.spki()));
      b.addExtension(Extension.basicConstraints, true, t.level().isCa()
          ? t.pathLength().map(BasicConstraints::new).orElse(new BasicConstraints(true)) : new BasicConstraints(false));
      int ku = 0;
      for (String u : t.keyUsage()) {
        Integer bit = KEY_USAGE.get(u);
        if (bit == null) {
          throw new InvalidInputException("unknown key usage '" + u + "'");
        }
        ku |= bit;
      }
      b.addExtension(Extension.keyUsage, true, new KeyUsage(ku));
      if (!t.extendedKeyUsage().isEmpty()) {
        List<KeyPurposeId> ids = new ArrayList<>();
        for (String e : t.extendedKeyUsage()) {
          KeyPurposeId id = EKU.get(e);
          if (id == null) {
            throw new InvalidInputException("unknown extended key usage '" + e + "'");
          }
          ids.add(id);
        }
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(ids.toArray(KeyPurposeId[]::new)));
      }
      List<GeneralName> sans = new ArrayList<>();
      t.dnsNames().forEach(n -> sans.add(new GeneralName(GeneralName.dNSName, n)));
      for (String ip : t.ipAddresses()) {
        sans.add(new GeneralName(GeneralName.iPAddress, new DEROctetString(InetAddress.ofLiteral(ip).getAddress())));
      }
      t.emails().forEach(n -> sans.add(new GeneralName(GeneralName.rfc822Name, n)));
      t.uris().forEach(n -> sans.add(new GeneralName(GeneralName.uniformResourceIdentifier, n)));
      if (!sans.isEmpty()) {
        // Critical when the subject is empty (RFC 5280 4.2.1.6).
        boolean emptySubject = X500Name.getInstance(t.subjectDer()).getRDNs().length == 0;
        b.addExtension(Extension.subjectAlternativeName, emptySubject, new GeneralNames(sans.toArray(GeneralName[]::new)));
      }
      b.addExtension(Extension.subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyIdentifier(t.spki())));
      b.addExtension(Extension.authorityKeyIdentifier, false, new AuthorityKeyIdentifier(keyIdentifier(issuer.spki())));
      if (t.crlUrl().isPresent()) {
        GeneralNames where = new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, t.crlUrl().get()));
        b.addExtension(Extension.cRLDistributionPoints, false, new CRLDistPoint(new DistributionPoint[] {
            new DistributionPoint(new DistributionPointName(where), null, null)}));
      }
      List<AccessDescription> aia = new ArrayList<>();
      t.ocspUrl().ifPresent(u -> aia.add(new AccessDescription(X509ObjectIdentifiers.id_ad_ocsp,
          new GeneralName(GeneralName.uniformResourceIdentifier, u))));
      t.caIssuersUrl().ifPresent(u -> aia.add(new AccessDescription(X509ObjectIdentifiers.id_ad_caIssuers,
          new GeneralName(GeneralName.uniformResourceIdentifier, u))));
      if (!aia.isEmpty()) {
        b.addExtension(Extension.authorityInfoAccess, false, new AuthorityInformationAccess(
            aia.toArray(AccessDescription[]::new)));
      }
      if (!t.policyOids().isEmpty()) {
        b.addExtension(Extension.certificatePolicies, false, new CertificatePolicies(t.policyOids().stream()
            .map(o -> new PolicyInformation(new ASN1ObjectIdentifier(o))).toArray(PolicyInformation[]::new)));
      }
      if (t.ocspNoCheck()) {
        b.addExtension(OCSP_NOCHECK, false, DERNull.INSTANCE);
      }
      CapturingSigner signer = signer(issuer);
      b.build(signer);
      // The body was encoded once, into the signer; the certificate is assembled around those
      // bytes rather than encoded a second time.
      return signer.certificate();
    } catch (CertIOException e) {
      throw new InvalidInputException("the certificate cannot be encoded: " + e.getMessage());
    } catch (IOException e) {
      throw new IllegalStateException("certificate encoding failed", e);
    }
  }

  /**
   * A PKCS#10 request for {@code subjectDer} and {@code spki}, signed by {@code sign} (a CA
   * asking its parent — the root ceremony — for its certificate).
   */
  public static byte[] request(byte[] subjectDer, byte[] spki, KeyPairType keyType, Function<byte[], byte[]> sign) {
    try {
      org.bouncycastle.asn1.pkcs.CertificationRequestInfo info = new org.bouncycastle.asn1.pkcs.CertificationRequestInfo(
          X500Name.getInstance(subjectDer), SubjectPublicKeyInfo.getInstance(spki), new org.bouncycastle.asn1.DERSet());
      byte[] signature = sign.apply(info.getEncoded("DER"));
      return new org.bouncycastle.asn1.pkcs.CertificationRequest(info, signatureAlgorithm(keyType),
          new org.bouncycastle.asn1.DERBitString(signature)).getEncoded("DER");
    } catch (IOException e) {
      throw new IllegalStateException("request encoding failed", e);
    }
  }

  /** PEM text of DER under {@code label}, e.g. CERTIFICATE. */
  public static String pem(String label, byte[] der) {
    return "-----BEGIN " + label + "-----\n" + java.util.Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
        .encodeToString(der) + "\n-----END " + label + "-----\n";
  }

  /** RFC 7093 method 1: the leftmost 160 bits of the SHA-256 hash of the subjectPublicKey bits. */
  public static byte[] keyIdentifier(byte[] spki) {
    byte[] key = SubjectPublicKeyInfo.getInstance(spki).getPublicKeyData().getBytes();
    return Arrays.copyOf(sha256(key), 20);
  }

  /**
   * The SubjectPublicKeyInfo (DER) of a public key given either as an SPKI or inside an X.509
   * certificate.
   *
   * @throws InvalidInputException for anything else
   */
  public static byte[] publicKeyInfo(byte[] der) {
    try {
      org.bouncycastle.asn1.ASN1Sequence seq = org.bouncycastle.asn1.ASN1Sequence.getInstance(
          org.bouncycastle.asn1.ASN1Primitive.fromByteArray(der));
      SubjectPublicKeyInfo spki = seq.size() == 3
          ? org.bouncycastle.asn1.x509.Certificate.getInstance(seq).getSubjectPublicKeyInfo()
          : SubjectPublicKeyInfo.getInstance(seq);
      spki.getPublicKeyData().getBytes();
      return spki.getEncoded("DER");
    } catch (IOException | RuntimeException e) {
      throw new InvalidInputException("not a public key (SubjectPublicKeyInfo) or an X.509 certificate");
    }
  }

  /** SHA-256 of the whole SubjectPublicKeyInfo: Custos's index of certified keys. */
  public static byte[] spkiHash(byte[] spki) {
    return sha256(spki);
  }

  /** The signature algorithm a key of {@code type} signs certificates with. */
  public static AlgorithmIdentifier signatureAlgorithm(KeyPairType type) {
    return switch (type) {
      case EC_P256 -> new AlgorithmIdentifier(X9ObjectIdentifiers.ecdsa_with_SHA256);
      case EC_P384 -> new AlgorithmIdentifier(X9ObjectIdentifiers.ecdsa_with_SHA384);
      case ED25519 -> new AlgorithmIdentifier(new ASN1ObjectIdentifier("1.3.101.112"));
      case RSA_3072, RSA_4096 -> new AlgorithmIdentifier(PKCSObjectIdentifiers.id_RSASSA_PSS, new RSASSAPSSparams(
          new AlgorithmIdentifier(NISTObjectIdentifiers.id_sha256, DERNull.INSTANCE),
          new AlgorithmIdentifier(PKCSObjectIdentifiers.id_mgf1,
              new AlgorithmIdentifier(NISTObjectIdentifiers.id_sha256, DERNull.INSTANCE)),
          new org.bouncycastle.asn1.ASN1Integer(32), new org.bouncycastle.asn1.ASN1Integer(1)));
      case ML_DSA_44 -> new AlgorithmIdentifier(new ASN1ObjectIdentifier("2.16.840.1.101.3.4.3.17"));
      case ML_DSA_65 -> new AlgorithmIdentifier(new ASN1ObjectIdentifier("2.16.840.1.101.3.4.3.18"));
      case ML_DSA_87 -> new AlgorithmIdentifier(new ASN1ObjectIdentifier("2.16.840.1.101.3.4.3.19"));
      case ML_KEM_768, ML_KEM_1024 -> throw new InvalidInputException("ML-KEM keys cannot sign certificates");
    };
  }

  static CapturingSigner signer(Issuer issuer) {
    return new CapturingSigner(signatureAlgorithm(issuer.keyType()), issuer.sign());
  }

  /**
   * Signs what the builder writes, and keeps the to-be-signed bytes and the signature, so that
   * the signed structure is assembled from exactly the bytes that were signed.
   */
  static final class CapturingSigner implements ContentSigner {
    private final AlgorithmIdentifier alg;
    private final Function<byte[], byte[]> sign;
    private final ByteArrayOutputStream tbs = new ByteArrayOutputStream(1024);
    private byte[] signed;
    private byte[] signature;

    CapturingSigner(AlgorithmIdentifier alg, Function<byte[], byte[]> sign) {
      this.alg = alg;
      this.sign = sign;
    }

    @Override
    public AlgorithmIdentifier getAlgorithmIdentifier() {
      return alg;
    }

    @Override
    public OutputStream getOutputStream() {
      return tbs;
    }

    @Override
    public byte[] getSignature() {
      signed = tbs.toByteArray();
      signature = sign.apply(signed);
      return signature;
    }

    /** SEQUENCE { to-be-signed, signatureAlgorithm, BIT STRING signature } (RFC 5280 4.1), DER. */
    byte[] certificate() throws IOException {
      if (signature == null) {
        throw new IllegalStateException("nothing was signed");
      }
      byte[] algorithm = alg.getEncoded("DER");
      ByteArrayOutputStream body = new ByteArrayOutputStream(signed.length + algorithm.length + signature.length + 16);
      body.writeBytes(signed);
      body.writeBytes(algorithm);
      body.write(0x03);
      writeLength(body, signature.length + 1);
      body.write(0x00); // no unused bits
      body.writeBytes(signature);
      ByteArrayOutputStream out = new ByteArrayOutputStream(body.size() + 6);
      out.write(0x30);
      writeLength(out, body.size());
      body.writeTo(out);
      return out.toByteArray();
    }

    private static void writeLength(ByteArrayOutputStream out, int length) {
      if (length < 0x80) {
        out.write(length);
        return;
      }
      int bytes = (32 - Integer.numberOfLeadingZeros(length) + 7) / 8;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(length >>> (8 * i));
      }
    }
  }

  private static final java.time.format.DateTimeFormatter UTC_TIME =
      java.time.format.DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(java.time.ZoneOffset.UTC);
  private static final java.time.format.DateTimeFormatter GENERALIZED_TIME =
      java.time.format.DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'").withZone(java.time.ZoneOffset.UTC);

  /**
   * A validity time as RFC 5280 4.1.2.5 wants it: UTCTime through 2049, GeneralizedTime from
   * 2050, whole seconds, Z. Read from its DER encoding, which Bouncy Castle takes as it is
   * (going through {@link Date} formats and re-parses the text with a locale-dependent format
   * on every certificate).
   */
  static org.bouncycastle.asn1.x509.Time time(Instant at) throws IOException {
    Instant t = at.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    boolean utc = t.isBefore(Instant.parse("2050-01-01T00:00:00Z")) && !t.isBefore(Instant.parse("1950-01-01T00:00:00Z"));
    byte[] text = (utc ? UTC_TIME : GENERALIZED_TIME).format(t).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    byte[] der = new byte[text.length + 2];
    der[0] = (byte) (utc ? 0x17 : 0x18);
    der[1] = (byte) text.length;
    System.arraycopy(text, 0, der, 2, text.length);
    return org.bouncycastle.asn1.x509.Time.getInstance(org.bouncycastle.asn1.ASN1Primitive.fromByteArray(der));
  }

  private static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
