package io.custos.x509;

import io.custos.crypto.KeyPairType;
import java.io.IOException;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1InputStream;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DERGeneralizedTime;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.ocsp.BasicOCSPResponse;
import org.bouncycastle.asn1.ocsp.CertID;
import org.bouncycastle.asn1.ocsp.CertStatus;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.ocsp.OCSPRequest;
import org.bouncycastle.asn1.ocsp.OCSPResponse;
import org.bouncycastle.asn1.ocsp.OCSPResponseStatus;
import org.bouncycastle.asn1.ocsp.ResponderID;
import org.bouncycastle.asn1.ocsp.ResponseBytes;
import org.bouncycastle.asn1.ocsp.ResponseData;
import org.bouncycastle.asn1.ocsp.RevokedInfo;
import org.bouncycastle.asn1.ocsp.SingleResponse;
import org.bouncycastle.asn1.ocsp.TBSRequest;
import org.bouncycastle.asn1.oiw.OIWObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * OCSP (RFC 6960) requests parsed defensively and responses built and signed by a delegated
 * responder. The signature is made by a function: the responder's key never leaves the barrier.
 *
 * <p>Only what the responder needs is read from a request: its CertIDs (SHA-1, SHA-256, SHA-384
 * or SHA-512) and its nonce (RFC 8954). Anything else that does not parse — garbage, truncated
 * DER, trailing bytes, an unsupported hash — is a {@link Malformed} request, answered with the
 * unsigned {@code malformedRequest} status.
 */
public final class Ocsp {
  private Ocsp() {}

  /** The largest request accepted (bytes); a request with a handful of CertIDs is a few hundred. */
  public static final int MAX_REQUEST_BYTES = 64 * 1024;

  /** Hash algorithms accepted in a CertID, by OID, with their JDK names. */
  private static final Map<ASN1ObjectIdentifier, String> HASHES = Map.of(
      OIWObjectIdentifiers.idSHA1, "SHA-1", NISTObjectIdentifiers.id_sha256, "SHA-256",
      NISTObjectIdentifiers.id_sha384, "SHA-384", NISTObjectIdentifiers.id_sha512, "SHA-512");

  /** A request that cannot be answered; the message says why. */
  public static final class Malformed extends Exception {
    public Malformed(String message) {
      super(message);
    }
  }

  /** RFC 6960 4.2.1 response statuses that carry no signed body. */
  public enum ErrorStatus {
    MALFORMED_REQUEST(OCSPResponseStatus.MALFORMED_REQUEST),
    INTERNAL_ERROR(OCSPResponseStatus.INTERNAL_ERROR),
    TRY_LATER(OCSPResponseStatus.TRY_LATER),
    UNAUTHORIZED(OCSPResponseStatus.UNAUTHORIZED);

    private final byte[] der;
    private final int code;

    ErrorStatus(int code) {
      this.code = code;
      try {
        this.der = new OCSPResponse(new OCSPResponseStatus(code), null).getEncoded(ASN1Encoding.DER);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    /** The RFC 6960 OCSPResponseStatus value. */
    public int code() {
      return code;
    }

    /** The unsigned OCSPResponse carrying this status. */
    public byte[] der() {
      return der.clone();
    }
  }

  /**
   * One CertID of a request: which certificate, named by its issuer's hashed name and key.
   *
   * @param hash the JDK name of the hash algorithm (SHA-1, SHA-256, …)
   */
  public record CertId(String hash, byte[] issuerNameHash, byte[] issuerKeyHash, BigInteger serial) {
    public CertId {
      Objects.requireNonNull(hash, "hash");
      issuerNameHash = issuerNameHash.clone();
      issuerKeyHash = issuerKeyHash.clone();
      Objects.requireNonNull(serial, "serial");
    }

    /** True if this CertID names a certificate issued by the CA with these hashes. */
    public boolean issuedBy(IssuerHashes issuer) {
      byte[][] h = issuer.of(hash);
      return MessageDigest.isEqual(h[0], issuerNameHash) && MessageDigest.isEqual(h[1], issuerKeyHash);
    }

    /** A key for caches: hash algorithm and serial (the issuer is checked before). */
    public String cacheKey() {
      return hash + ":" + serial.toString(16);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof CertId c && hash.equals(c.hash) && serial.equals(c.serial)
          && Arrays.equals(issuerNameHash, c.issuerNameHash) && Arrays.equals(issuerKeyHash, c.issuerKeyHash);
    }

    @Override
    public int hashCode() {
      return Objects.hash(hash, serial, Arrays.hashCode(issuerKeyHash));
    }

    @Override
    public String toString() {
      return hash + " serial " + serial.toString(16) + " issuer key " + HexFormat.of().formatHex(issuerKeyHash);
    }

    CertID asn1() {
      ASN1ObjectIdentifier oid = HASHES.entrySet().stream().filter(e -> e.getValue().equals(hash)).findFirst()
          .orElseThrow().getKey();
      return new CertID(new AlgorithmIdentifier(oid, DERNull.INSTANCE), new DEROctetString(issuerNameHash),
          new DEROctetString(issuerKeyHash), new ASN1Integer(serial));
    }
  }

  /** A parsed request: its CertIDs and its nonce, if it carried one. */
  public record Request(List<CertId> certIds, Optional<byte[]> nonce) {
    public Request {
      certIds = List.copyOf(certIds);
      nonce = nonce.map(byte[]::clone);
    }
  }

  /**
   * Parses a DER OCSPRequest.
   *
   * @param maxCertIds the most CertIDs one request may ask about
   * @throws Malformed naming what is wrong
   */
  public static Request parse(byte[] der, int maxCertIds) throws Malformed {
    if (der == null || der.length == 0) {
      throw new Malformed("empty request");
    }
    if (der.length > MAX_REQUEST_BYTES) {
      throw new Malformed("request of " + der.length + " bytes; at most " + MAX_REQUEST_BYTES);
    }
    OCSPRequest req;
    try (ASN1InputStream in = new ASN1InputStream(der, true)) {
      ASN1Primitive p = in.readObject();
      if (p == null || in.readObject() != null) {
        throw new Malformed("not a single DER object");
      }
      if (!Arrays.equals(p.getEncoded(ASN1Encoding.DER), der)) {
        throw new Malformed("not DER");
      }
      req = OCSPRequest.getInstance(p);
    } catch (IOException | RuntimeException e) {
      throw new Malformed("not an OCSP request: " + e.getMessage());
    }
    try {
      TBSRequest tbs = req.getTbsRequest();
      ASN1Sequence list = tbs.getRequestList();
      if (list.size() == 0) {
        throw new Malformed("no CertID in the request");
      }
      if (list.size() > maxCertIds) {
        throw new Malformed(list.size() + " CertIDs in one request; at most " + maxCertIds);
      }
      List<CertId> ids = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        CertID id = org.bouncycastle.asn1.ocsp.Request.getInstance(list.getObjectAt(i)).getReqCert();
        ASN1ObjectIdentifier alg = id.getHashAlgorithm().getAlgorithm();
        String hash = HASHES.get(alg);
        if (hash == null) {
          throw new Malformed("unsupported CertID hash algorithm " + alg.getId() + "; SHA-1, SHA-256, SHA-384 or SHA-512");
        }
        byte[] nameHash = id.getIssuerNameHash().getOctets();
        byte[] keyHash = id.getIssuerKeyHash().getOctets();
        int len = digest(hash, new byte[0]).length;
        if (nameHash.length != len || keyHash.length != len) {
          throw new Malformed("CertID hashes are not " + hash + " digests");
        }
        BigInteger serial = id.getSerialNumber().getValue();
        if (serial.signum() < 0 || serial.bitLength() > 160) {
          throw new Malformed("serial numbers are positive and at most 20 octets");
        }
        ids.add(new CertId(hash, nameHash, keyHash, serial));
      }
      Optional<byte[]> nonce = Optional.empty();
      Extensions ext = tbs.getRequestExtensions();
      if (ext != null && ext.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce) != null) {
        byte[] value = ext.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce).getExtnValue().getOctets();
        if (value.length == 0 || value.length > 128) {
          throw new Malformed("a nonce is 1 to 128 octets (RFC 8954)");
        }
        nonce = Optional.of(value);
      }
      return new Request(ids, nonce);
    } catch (RuntimeException e) {
      throw new Malformed("not an OCSP request: " + e.getMessage());
    }
  }

  /** A CA's name and key, hashed with each accepted algorithm, to match CertIDs against. */
  public static final class IssuerHashes {
    private final Map<String, byte[][]> byHash;

    private IssuerHashes(Map<String, byte[][]> byHash) {
      this.byHash = byHash;
    }

    /** From the CA's certificate (DER): its subject and its subjectPublicKey bits. */
    public static IssuerHashes of(byte[] caCertificate) {
      Certificate c = Certificate.getInstance(caCertificate);
      try {
        byte[] name = c.getSubject().getEncoded(ASN1Encoding.DER);
        byte[] key = c.getSubjectPublicKeyInfo().getPublicKeyData().getBytes();
        Map<String, byte[][]> m = new java.util.HashMap<>();
        for (String h : HASHES.values()) {
          m.put(h, new byte[][] {digest(h, name), digest(h, key)});
        }
        return new IssuerHashes(Map.copyOf(m));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    byte[][] of(String hash) {
      return byHash.get(hash);
    }

    /** The CertID of {@code serial} under this issuer with {@code hash} (SHA-1, SHA-256, …). */
    public CertId certId(String hash, BigInteger serial) {
      byte[][] h = byHash.get(hash);
      return new CertId(hash, h[0], h[1], serial);
    }
  }

  /** What a single response says about one certificate. */
  public sealed interface Status {
    /** Not revoked (RFC 6960 4.2.1: good). */
    record Good() implements Status {}

    /** Revoked at {@code at} for {@code reason} (a {@link Crls#REASONS} name); a hold is certificateHold. */
    record Revoked(Instant at, String reason) implements Status {
      public Revoked {
        Objects.requireNonNull(at, "at");
        reason = Crls.reason(reason);
      }
    }

    /** Not a certificate this responder knows. */
    record Unknown() implements Status {}
  }

  /** One answer: the CertID as asked, its status and the interval in which it is current. */
  public record Single(CertId certId, Status status, Instant thisUpdate, Instant nextUpdate) {
    public Single {
      Objects.requireNonNull(certId, "certId");
      Objects.requireNonNull(status, "status");
      if (!nextUpdate.isAfter(thisUpdate)) {
        throw new IllegalArgumentException("nextUpdate must be after thisUpdate");
      }
    }
  }

  /** The delegated responder: its certificate (sent in every response) and its signing function. */
  public static final class Responder {
    private final byte[] certificate;
    private final KeyPairType keyType;
    private final Function<byte[], byte[]> sign;
    // Parsed once: every answer carries the certificate and names the responder by its key hash.
    private final Certificate parsed;
    private final ResponderID id;

    public Responder(byte[] certificate, KeyPairType keyType, Function<byte[], byte[]> sign) {
      this.certificate = certificate.clone();
      this.keyType = Objects.requireNonNull(keyType, "keyType");
      this.sign = Objects.requireNonNull(sign, "sign");
      this.parsed = Certificate.getInstance(this.certificate);
      this.id = new ResponderID(new DEROctetString(digest("SHA-1",
          parsed.getSubjectPublicKeyInfo().getPublicKeyData().getBytes())));
    }

    public byte[] certificate() {
      return certificate.clone();
    }

    public KeyPairType keyType() {
      return keyType;
    }

    public Function<byte[], byte[]> sign() {
      return sign;
    }
  }

  /**
   * Signs a successful BasicOCSPResponse: responder named by key hash (RFC 6960 4.2.2.3), the
   * responder certificate included, the nonce echoed if given.
   */
  public static byte[] sign(Responder responder, List<Single> answers, Instant producedAt, Optional<byte[]> nonce) {
    try {
      Certificate cert = responder.parsed;
      ResponderID rid = responder.id;
      ASN1EncodableVector singles = new ASN1EncodableVector();
      for (Single s : answers) {
        CertStatus status = switch (s.status()) {
          case Status.Good g -> new CertStatus();
          case Status.Unknown u -> new CertStatus(2, DERNull.INSTANCE);
          case Status.Revoked r -> new CertStatus(new RevokedInfo(time(r.at()),
              CRLReason.lookup(Crls.REASONS.get(r.reason()))));
        };
        singles.add(new SingleResponse(s.certId().asn1(), status, time(s.thisUpdate()), time(s.nextUpdate()),
            (Extensions) null));
      }
      Extensions ext = nonce.map(n -> new Extensions(new Extension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce, false,
          new DEROctetString(n)))).orElse(null);
      ResponseData data = new ResponseData(rid, time(producedAt), new DERSequence(singles), ext);
      byte[] tbs = data.getEncoded(ASN1Encoding.DER);
      byte[] signature = responder.sign().apply(tbs);
      BasicOCSPResponse basic = new BasicOCSPResponse(data, Certificates.signatureAlgorithm(responder.keyType()),
          new DERBitString(signature), new DERSequence(cert));
      return new OCSPResponse(new OCSPResponseStatus(OCSPResponseStatus.SUCCESSFUL),
          new ResponseBytes(OCSPObjectIdentifiers.id_pkix_ocsp_basic, new DEROctetString(basic.getEncoded(ASN1Encoding.DER))))
          .getEncoded(ASN1Encoding.DER);
    } catch (IOException e) {
      throw new IllegalStateException("OCSP response encoding failed", e);
    }
  }

  /** A DER OCSPRequest for {@code ids}, with a nonce if given (for clients and tests). */
  public static byte[] request(List<CertId> ids, Optional<byte[]> nonce) {
    ASN1EncodableVector list = new ASN1EncodableVector();
    ids.forEach(id -> list.add(new org.bouncycastle.asn1.ocsp.Request(id.asn1(), null)));
    Extensions ext = nonce.map(n -> new Extensions(new Extension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce, false,
        new DEROctetString(n)))).orElse(null);
    try {
      return new OCSPRequest(new TBSRequest(null, new DERSequence(list), ext), null).getEncoded(ASN1Encoding.DER);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The status code (0 successful, 1 malformedRequest, …) of a DER OCSPResponse. */
  public static int responseStatus(byte[] der) {
    return OCSPResponse.getInstance(der).getResponseStatus().getIntValue();
  }

  /** The nextUpdate of the first single response of a successful response, for caching headers. */
  public static Instant nextUpdate(byte[] der) {
    try {
      return singleOf(der).getNextUpdate().getDate().toInstant();
    } catch (java.text.ParseException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The producedAt of a successful response. */
  public static Instant producedAt(byte[] der) {
    try {
      return basicOf(der).getTbsResponseData().getProducedAt().getDate().toInstant();
    } catch (java.text.ParseException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The status of the first single response: good, revoked or unknown (for tests and tools). */
  public static String certStatus(byte[] der) {
    return switch (singleOf(der).getCertStatus().getTagNo()) {
      case 0 -> "good";
      case 1 -> "revoked";
      default -> "unknown";
    };
  }

  /** The nonce a successful response carries, if any. */
  public static Optional<byte[]> responseNonce(byte[] der) {
    Extensions ext = basicOf(der).getTbsResponseData().getResponseExtensions();
    return Optional.ofNullable(ext).map(e -> e.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce))
        .map(e -> e.getExtnValue().getOctets());
  }

  /** The certificates a successful response carries (DER). */
  public static List<byte[]> responseCertificates(byte[] der) {
    ASN1Sequence certs = basicOf(der).getCerts();
    List<byte[]> out = new ArrayList<>();
    if (certs != null) {
      for (int i = 0; i < certs.size(); i++) {
        try {
          out.add(certs.getObjectAt(i).toASN1Primitive().getEncoded(ASN1Encoding.DER));
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return out;
  }

  /** The signed part of a successful response and its signature, to verify with the responder's key. */
  public static byte[][] signedPart(byte[] der) {
    BasicOCSPResponse b = basicOf(der);
    try {
      return new byte[][] {b.getTbsResponseData().getEncoded(ASN1Encoding.DER), b.getSignature().getOctets()};
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static BasicOCSPResponse basicOf(byte[] der) {
    return BasicOCSPResponse.getInstance(OCSPResponse.getInstance(der).getResponseBytes().getResponse().getOctets());
  }

  private static SingleResponse singleOf(byte[] der) {
    return SingleResponse.getInstance(basicOf(der).getTbsResponseData().getResponses().getObjectAt(0));
  }

  private static DERGeneralizedTime time(Instant t) {
    return new DERGeneralizedTime(Date.from(t.truncatedTo(ChronoUnit.SECONDS)));
  }

  private static byte[] digest(String alg, byte[] data) {
    try {
      return MessageDigest.getInstance(alg).digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
