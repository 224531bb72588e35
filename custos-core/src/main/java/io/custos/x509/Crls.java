package io.custos.x509;

import io.custos.failure.InvalidInputException;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509v2CRLBuilder;

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
    if (!nextUpdate.isAfter(thisUpdate)) {
      throw new InvalidInputException("nextUpdate must be after thisUpdate");
    }
    if (crlNumber.signum() < 0 || crlNumber.bitLength() > 159) {
      throw new InvalidInputException("CRL numbers are non-negative and at most 20 octets (RFC 5280 5.2.3)");
    }
    try {
      X509v2CRLBuilder b = new X509v2CRLBuilder(X500Name.getInstance(issuer.subjectDer()), Date.from(thisUpdate));
      b.setNextUpdate(Date.from(nextUpdate));
      for (Revoked r : revoked) {
        b.addCRLEntry(r.serial(), Date.from(r.revokedAt()), REASONS.get(r.reason()));
      }
      b.addExtension(Extension.authorityKeyIdentifier, false,
          new AuthorityKeyIdentifier(Certificates.keyIdentifier(issuer.spki())));
      b.addExtension(Extension.cRLNumber, false, new CRLNumber(crlNumber));
      return b.build(Certificates.signer(issuer)).getEncoded();
    } catch (IOException e) {
      throw new IllegalStateException("CRL encoding failed", e);
    }
  }
}
