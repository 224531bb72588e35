package io.custos.x509;

import io.custos.failure.InvalidInputException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.cert.X509CRL;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.IssuingDistributionPoint;
import org.bouncycastle.cert.X509CertificateHolder;

/**
 * Builds and signs X.509 v2 certificate revocation lists (RFC 5280 section 5) with a CRL number
 * and the issuer's authority key identifier. As with {@link Certificates}, the signature is made
 * by the issuer's signing function: the CA key never leaves whatever holds it.
 */
public final class Crls {
  private Crls() {}

  /** RFC 5280 5.3.1 reason codes Custos accepts, by their RFC names. */
  public static final Map<String, Integer> REASONS = Map.of(
      "unspecified", CRLReason.unspecified, "keyCompromise", CRLReason.keyCompromise,
      "cACompromise", CRLReason.cACompromise, "affiliationChanged", CRLReason.affiliationChanged,
      "superseded", CRLReason.superseded, "cessationOfOperation", CRLReason.cessationOfOperation,
      "privilegeWithdrawn", CRLReason.privilegeWithdrawn, "certificateHold", CRLReason.certificateHold,
      "removeFromCRL", CRLReason.removeFromCRL);

  /** One revoked certificate: its serial, when it was revoked and why (a {@link #REASONS} name). */
  public record Revoked(BigInteger serial, Instant revokedAt, String reason) {
    public Revoked {
      Objects.requireNonNull(serial, "serial");
      Objects.requireNonNull(revokedAt, "revokedAt");
      reason = Crls.reason(reason);
    }
  }

  /** The canonical spelling of a reason name, case-insensitively; refuses unknown reasons. */
  public static String reason(String name) {
    Objects.requireNonNull(name, "reason");
    if (REASONS.containsKey(name)) {
      return name; // already canonical: the common case, a million times per large CRL
    }
    for (String r : REASONS.keySet()) {
      if (r.toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT).replace("-", ""))) {
        return r;
      }
    }
    throw new InvalidInputException("unknown revocation reason '" + name + "'; one of " + REASONS.keySet());
  }

  /** Signs a CRL as {@code issuer}; returns its DER. */
  public static byte[] sign(Certificates.Issuer issuer, Instant thisUpdate, Instant nextUpdate, BigInteger crlNumber,
      List<Revoked> revoked) {
    Entries entries = new Entries();
    revoked.forEach(r -> entries.add(r.serial(), r.revokedAt(), r.reason()));
    return sign(issuer, thisUpdate, nextUpdate, crlNumber, Scope.NONE, entries);
  }

  /**
   * What a CRL covers and where its companions are (RFC 5280 5.2.4–5.2.6).
   *
   * @param distributionPoint the URL written as the issuing distribution point (the CRL DP of the
   *     certificates it covers), if any
   * @param freshest a full CRL's pointer to its delta CRL (Freshest CRL), if any
   * @param deltaBase a delta CRL's base CRL number (the delta CRL indicator); empty for a full CRL
   */
  public record Scope(Optional<String> distributionPoint, Optional<String> freshest, Optional<BigInteger> deltaBase) {
    public static final Scope NONE = new Scope(Optional.empty(), Optional.empty(), Optional.empty());

    public Scope {
      Objects.requireNonNull(distributionPoint, "distributionPoint");
      Objects.requireNonNull(freshest, "freshest");
      Objects.requireNonNull(deltaBase, "deltaBase");
    }

    public static Scope full(String url, Optional<String> deltaUrl) {
      return new Scope(Optional.of(url), deltaUrl, Optional.empty());
    }

    public static Scope delta(String url, BigInteger base) {
      return new Scope(Optional.of(url), Optional.empty(), Optional.of(base));
    }
  }

  /**
   * A CRL's revokedCertificates, encoded as they are added: a million entries cost about 50 MB of
   * DER and no object per entry. Reasons are RFC names; {@code unspecified} is written as no
   * reason code (RFC 5280 5.3.1).
   */
  public static final class Entries {
    private final ByteArrayOutputStream der = new ByteArrayOutputStream(1 << 16);
    private final byte[] scratch = new byte[128];
    private int count;
    private long cachedSecond = Long.MIN_VALUE;
    private byte[] cachedTime;

    /** Adds one entry; the serial must be positive. */
    public Entries add(BigInteger serial, Instant revokedAt, String reason) {
      if (serial.signum() <= 0 || serial.bitLength() > 160) {
        throw new InvalidInputException("a serial number is positive and at most 20 octets (RFC 5280 4.1.2.2)");
      }
      String why = reason(reason);
      byte[] s = serial.toByteArray();
      byte[] time = time(revokedAt);
      int code = REASONS.get(why);
      int extLen = code == CRLReason.unspecified ? 0 : 14;
      int body = 2 + s.length + time.length + extLen;
      int p = 0;
      scratch[p++] = 0x30;
      p = length(scratch, p, body);
      scratch[p++] = 0x02;
      scratch[p++] = (byte) s.length;
      System.arraycopy(s, 0, scratch, p, s.length);
      p += s.length;
      System.arraycopy(time, 0, scratch, p, time.length);
      p += time.length;
      if (extLen > 0) {
        // Extensions ::= SEQUENCE { Extension { id-ce-cRLReasons, OCTET STRING { ENUMERATED code } } }
        byte[] ext = {0x30, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x15, 0x04, 0x03, 0x0a, 0x01, (byte) code};
        System.arraycopy(ext, 0, scratch, p, ext.length);
        p += ext.length;
      }
      der.write(scratch, 0, p);
      count++;
      return this;
    }

    /** Adds one entry from its hex serial (lower-case, as the inventory spells it). */
    public Entries add(String hexSerial, Instant revokedAt, String reason) {
      return add(new BigInteger(hexSerial, 16), revokedAt, reason);
    }

    public int size() {
      return count;
    }

    private byte[] time(Instant at) {
      long second = at.getEpochSecond();
      if (second != cachedSecond) {
        cachedSecond = second;
        cachedTime = encodeTime(at);
      }
      return cachedTime;
    }
  }

  /** Signs a CRL of {@code entries} with {@code scope}'s extensions as {@code issuer}; returns its DER. */
  public static byte[] sign(Certificates.Issuer issuer, Instant thisUpdate, Instant nextUpdate, BigInteger crlNumber,
      Scope scope, Entries entries) {
    if (!nextUpdate.isAfter(thisUpdate)) {
      throw new InvalidInputException("nextUpdate must be after thisUpdate");
    }
    if (crlNumber.signum() < 0 || crlNumber.bitLength() > 159) {
      throw new InvalidInputException("CRL numbers are non-negative and at most 20 octets (RFC 5280 5.2.3)");
    }
    try {
      ExtensionsGenerator ext = new ExtensionsGenerator();
      ext.addExtension(Extension.authorityKeyIdentifier, false,
          new AuthorityKeyIdentifier(Certificates.keyIdentifier(issuer.spki())));
      ext.addExtension(Extension.cRLNumber, false, new CRLNumber(crlNumber));
      if (scope.deltaBase().isPresent()) {
        ext.addExtension(Extension.deltaCRLIndicator, true, new CRLNumber(scope.deltaBase().get()));
      }
      if (scope.distributionPoint().isPresent()) {
        ext.addExtension(Extension.issuingDistributionPoint, true, new IssuingDistributionPoint(
            new DistributionPointName(new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier,
                scope.distributionPoint().get()))), false, false, null, false, false));
      }
      if (scope.freshest().isPresent()) {
        ext.addExtension(Extension.freshestCRL, false, new CRLDistPoint(new DistributionPoint[] {new DistributionPoint(
            new DistributionPointName(new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier,
                scope.freshest().get()))), null, null)}));
      }
      byte[] algorithm = Certificates.signatureAlgorithm(issuer.keyType()).getEncoded("DER");
      byte[] extensions = ext.generate().getEncoded("DER");
      ByteArrayOutputStream tbs = new ByteArrayOutputStream(entries.der.size() + 1024);
      int revokedLen = entries.count == 0 ? 0 : 1 + lengthSize(entries.der.size()) + entries.der.size();
      byte[] issuerName = issuer.subjectDer();
      byte[] thisTime = encodeTime(thisUpdate);
      byte[] nextTime = encodeTime(nextUpdate);
      int tbsBody = 3 + algorithm.length + issuerName.length + thisTime.length + nextTime.length + revokedLen
          + 1 + lengthSize(extensions.length) + extensions.length;
      header(tbs, 0x30, tbsBody);
      tbs.write(new byte[] {0x02, 0x01, 0x01}); // version v2
      tbs.write(algorithm);
      tbs.write(issuerName);
      tbs.write(thisTime);
      tbs.write(nextTime);
      if (entries.count > 0) {
        header(tbs, 0x30, entries.der.size());
        entries.der.writeTo(tbs);
      }
      header(tbs, 0xa0, extensions.length);
      tbs.write(extensions);
      byte[] tbsDer = tbs.toByteArray();
      tbs = null;
      byte[] signature = issuer.sign().apply(tbsDer);
      int sigLen = 1 + signature.length;
      int body = tbsDer.length + algorithm.length + 1 + lengthSize(sigLen) + sigLen;
      ByteArrayOutputStream out = new ByteArrayOutputStream(body + 8);
      header(out, 0x30, body);
      out.write(tbsDer);
      out.write(algorithm);
      header(out, 0x03, sigLen);
      out.write(0);
      out.write(signature);
      return out.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException("CRL encoding failed", e);
    }
  }

  /** What a relying party reads from a CRL, after its signature is checked by {@link #read}. */
  public record Info(byte[] issuerDer, BigInteger number, Optional<BigInteger> deltaBase, Instant thisUpdate,
      Optional<Instant> nextUpdate, int entries) {
    public Info {
      issuerDer = issuerDer.clone();
    }

    @Override
    public byte[] issuerDer() {
      return issuerDer.clone();
    }
  }

  /**
   * Reads a CRL (DER or PEM) and checks that {@code issuerCertificate} signed it.
   *
   * @throws InvalidInputException naming what is wrong: not a CRL, no CRL number, another issuer, a bad signature
   */
  public static Info read(byte[] crl, byte[] issuerCertificate) {
    byte[] der = der(crl);
    try {
      org.bouncycastle.asn1.x509.CertificateList list = org.bouncycastle.asn1.x509.CertificateList.getInstance(der);
      X509CertificateHolder cert = new X509CertificateHolder(issuerCertificate);
      if (!list.getIssuer().equals(cert.getSubject())) {
        throw new InvalidInputException("the CRL's issuer '" + list.getIssuer() + "' is not '" + cert.getSubject() + "'");
      }
      X509CRL x = (X509CRL) java.security.cert.CertificateFactory.getInstance("X.509")
          .generateCRL(new java.io.ByteArrayInputStream(der));
      java.security.cert.X509Certificate issuerCert = (java.security.cert.X509Certificate) java.security.cert
          .CertificateFactory.getInstance("X.509").generateCertificate(new java.io.ByteArrayInputStream(issuerCertificate));
      try {
        x.verify(issuerCert.getPublicKey());
      } catch (java.security.GeneralSecurityException e) {
        throw new InvalidInputException("the CRL's signature does not verify with the key of '" + cert.getSubject()
            + "': " + e.getMessage());
      }
      Extensions exts = list.getTBSCertList().getExtensions();
      Extension number = exts == null ? null : exts.getExtension(Extension.cRLNumber);
      if (number == null) {
        throw new InvalidInputException("the CRL carries no CRL number (RFC 5280 5.2.3)");
      }
      Extension delta = exts.getExtension(Extension.deltaCRLIndicator);
      int n = list.getRevokedCertificates().length;
      return new Info(list.getIssuer().getEncoded("DER"), CRLNumber.getInstance(number.getParsedValue()).getCRLNumber(),
          Optional.ofNullable(delta).map(d -> CRLNumber.getInstance(d.getParsedValue()).getCRLNumber()),
          list.getThisUpdate().getDate().toInstant(),
          Optional.ofNullable(list.getNextUpdate()).map(t -> t.getDate().toInstant()), n);
    } catch (IOException | java.security.GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
      throw new InvalidInputException("not an X.509 CRL: " + e.getMessage());
    }
  }

  /** The DER of a CRL given as DER or PEM ({@code X509 CRL}). */
  public static byte[] der(byte[] crl) {
    if (crl.length > 0 && crl[0] == 0x30) {
      return crl.clone();
    }
    String text = new String(crl, java.nio.charset.StandardCharsets.US_ASCII);
    for (io.custos.crypto.Pem.Block b : io.custos.crypto.Pem.read(text)) {
      if (b.label().equals("X509 CRL")) {
        return b.der();
      }
    }
    throw new InvalidInputException("not a CRL: neither DER nor a PEM 'X509 CRL' block");
  }

  private static byte[] encodeTime(Instant at) {
    java.time.LocalDateTime t = java.time.LocalDateTime.ofEpochSecond(at.getEpochSecond(), 0, java.time.ZoneOffset.UTC);
    boolean utc = t.getYear() >= 1950 && t.getYear() < 2050;
    String text = utc
        ? String.format("%02d%02d%02d%02d%02d%02dZ", t.getYear() % 100, t.getMonthValue(), t.getDayOfMonth(), t.getHour(),
            t.getMinute(), t.getSecond())
        : String.format("%04d%02d%02d%02d%02d%02dZ", t.getYear(), t.getMonthValue(), t.getDayOfMonth(), t.getHour(),
            t.getMinute(), t.getSecond());
    byte[] out = new byte[2 + text.length()];
    out[0] = (byte) (utc ? 0x17 : 0x18);
    out[1] = (byte) text.length();
    for (int i = 0; i < text.length(); i++) {
      out[2 + i] = (byte) text.charAt(i);
    }
    return out;
  }

  private static int lengthSize(int len) {
    return len < 0x80 ? 1 : len < 0x100 ? 2 : len < 0x10000 ? 3 : len < 0x1000000 ? 4 : 5;
  }

  private static int length(byte[] out, int p, int len) {
    if (len < 0x80) {
      out[p++] = (byte) len;
    } else {
      int n = lengthSize(len) - 1;
      out[p++] = (byte) (0x80 | n);
      for (int i = n - 1; i >= 0; i--) {
        out[p++] = (byte) (len >>> (8 * i));
      }
    }
    return p;
  }

  private static void header(ByteArrayOutputStream out, int tag, int len) {
    byte[] h = new byte[6];
    h[0] = (byte) tag;
    int p = length(h, 1, len);
    out.write(h, 0, p);
  }
}
