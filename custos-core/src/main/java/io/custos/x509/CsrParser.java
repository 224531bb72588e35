package io.custos.x509;

import io.custos.crypto.SignatureVerifier;
import io.custos.failure.InvalidInputException;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1Set;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.CertificationRequest;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSASSAPSSparams;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.RFC4519Style;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * Reads PKCS#10 certification requests (PEM or DER) and verifies their proof-of-possession
 * signature. Anything malformed — not DER, trailing bytes, an unknown signature scheme, a
 * duplicated extension or extension request, a signature that does not verify — is refused
 * with a message saying what is wrong.
 */
public final class CsrParser {
  /** Largest request accepted, PEM or DER. ML-DSA-87 requests are about 7.5 KiB. */
  public static final int MAX_BYTES = 64 * 1024;

  private static final ASN1ObjectIdentifier ED25519 = new ASN1ObjectIdentifier("1.3.101.112");
  private static final Map<String, String> ML_DSA = Map.of(
      "2.16.840.1.101.3.4.3.17", "ml-dsa-44", "2.16.840.1.101.3.4.3.18", "ml-dsa-65",
      "2.16.840.1.101.3.4.3.19", "ml-dsa-87");
  private static final Map<String, String> SIGNATURES = Map.ofEntries(
      Map.entry(PKCSObjectIdentifiers.sha256WithRSAEncryption.getId(), "SHA256withRSA"),
      Map.entry(PKCSObjectIdentifiers.sha384WithRSAEncryption.getId(), "SHA384withRSA"),
      Map.entry(PKCSObjectIdentifiers.sha512WithRSAEncryption.getId(), "SHA512withRSA"),
      Map.entry(PKCSObjectIdentifiers.id_RSASSA_PSS.getId(), "RSASSA-PSS"),
      Map.entry(X9ObjectIdentifiers.ecdsa_with_SHA256.getId(), "SHA256withECDSA"),
      Map.entry(X9ObjectIdentifiers.ecdsa_with_SHA384.getId(), "SHA384withECDSA"),
      Map.entry(X9ObjectIdentifiers.ecdsa_with_SHA512.getId(), "SHA512withECDSA"),
      Map.entry(ED25519.getId(), "Ed25519"),
      Map.entry("2.16.840.1.101.3.4.3.17", "ML-DSA-44"),
      Map.entry("2.16.840.1.101.3.4.3.18", "ML-DSA-65"),
      Map.entry("2.16.840.1.101.3.4.3.19", "ML-DSA-87"));

  private final SignatureVerifier verifier;

  public CsrParser(SignatureVerifier verifier) {
    this.verifier = verifier;
  }

  /**
   * Parses and verifies a request.
   *
   * @throws InvalidInputException saying what is wrong with it
   */
  public io.custos.x509.CertificationRequest parse(byte[] input) {
    byte[] der = der(input);
    CertificationRequest csr;
    try {
      ASN1Primitive p = ASN1Primitive.fromByteArray(der);
      csr = CertificationRequest.getInstance(p);
      if (!Arrays.equals(csr.getEncoded("DER"), der)) {
        throw new InvalidInputException("the certification request is not DER-encoded (or has trailing bytes)");
      }
    } catch (IOException | IllegalArgumentException | ClassCastException | IllegalStateException e) {
      throw new InvalidInputException("not a PKCS#10 certification request: " + clean(e.getMessage()));
    }
    var info = csr.getCertificationRequestInfo();
    if (info.getVersion().getValue().intValue() != 0) {
      throw new InvalidInputException("certification request version must be 1 (0), got " + info.getVersion().getValue());
    }
    SubjectPublicKeyInfo spkiInfo = info.getSubjectPublicKeyInfo();
    byte[] spki = encoded(spkiInfo);
    KeyAndJca key = key(spkiInfo, spki);

    AlgorithmIdentifier sigAlg = csr.getSignatureAlgorithm();
    String jca = SIGNATURES.get(sigAlg.getAlgorithm().getId());
    if (jca == null) {
      throw new InvalidInputException("the request is signed with " + sigAlg.getAlgorithm().getId()
          + ", which is not an approved scheme (RSA PKCS#1 v1.5 or PSS with SHA-2, ECDSA with SHA-2, Ed25519, ML-DSA)");
    }
    AlgorithmParameterSpec params = jca.equals("RSASSA-PSS") ? pss(sigAlg) : null;
    PublicKey pub = verifier.publicKey(key.jcaKeyAlgorithm(), spki);
    // The input is strict DER (checked above), so the signed body is its first element as sent:
    // sliced out, not encoded again.
    byte[] tbs = firstElement(der);
    if (!verifier.verify(jca, params, pub, tbs, csr.getSignature().getOctets())) {
      throw new InvalidInputException("the request's proof-of-possession signature does not verify under its own key");
    }
    io.custos.x509.CertificationRequest.RequestedKey requested = requestedKey(key, pub, spki);

    X500Name subject = info.getSubject();
    Map<String, List<String>> fields = fields(subject);

    List<String> dns = new ArrayList<>();
    List<String> ips = new ArrayList<>();
    List<String> emails = new ArrayList<>();
    List<String> uris = new ArrayList<>();
    List<String> extensionOids = new ArrayList<>();
    ASN1Set attributes = info.getAttributes();
    boolean seenExtensionRequest = false;
    if (attributes != null) {
      for (ASN1Encodable a : attributes) {
        Attribute attr = Attribute.getInstance(a);
        if (!attr.getAttrType().equals(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
          continue;
        }
        if (seenExtensionRequest || attr.getAttrValues().size() != 1) {
          throw new InvalidInputException("the request carries more than one extension request");
        }
        seenExtensionRequest = true;
        ASN1Sequence exts;
        try {
          exts = ASN1Sequence.getInstance(attr.getAttrValues().getObjectAt(0));
        } catch (IllegalArgumentException e) {
          throw new InvalidInputException("the request's extension request is malformed");
        }
        for (ASN1Encodable e : exts) {
          Extension ext;
          try {
            ext = Extension.getInstance(e);
          } catch (IllegalArgumentException x) {
            throw new InvalidInputException("the request's extension request holds a malformed extension");
          }
          String oid = ext.getExtnId().getId();
          if (extensionOids.contains(oid)) {
            throw new InvalidInputException("the request asks for extension " + oid + " more than once");
          }
          extensionOids.add(oid);
          if (ext.getExtnId().equals(Extension.subjectAlternativeName)) {
            names(ext, dns, ips, emails, uris);
          }
        }
      }
    }
    return new io.custos.x509.CertificationRequest(der, subject.toString(), encoded(subject), fields, requested, dns, ips, emails, uris,
        extensionOids, jca);
  }

  /**
   * What a request for a key pair that Custos generates itself (SS-002 11.1.2) asks for, in the
   * same form as a parsed request so that it passes through exactly the same checks. There is
   * no proof of possession to verify (the key was made here); {@code der} is empty and the
   * signature algorithm reads {@code generated}.
   *
   * @param subject RFC 4514 text such as {@code CN=device-17,O=Example}
   * @param spki the generated public key, X.509 SubjectPublicKeyInfo DER
   * @throws InvalidInputException if the subject or an IP address is malformed
   */
  public io.custos.x509.CertificationRequest describe(String subject, List<String> dnsNames, List<String> ipAddresses,
      byte[] spki) {
    if (subject == null || subject.isBlank()) {
      throw new InvalidInputException("a subject is required, e.g. CN=device-17,O=Example");
    }
    X500Name name = X500Name.getInstance(Certificates.name(subject));
    List<String> ips = new ArrayList<>();
    for (String ip : ipAddresses) {
      try {
        ips.add(InetAddress.ofLiteral(ip.strip()).getHostAddress());
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new InvalidInputException("'" + ip + "' is not an IP address literal");
      }
    }
    SubjectPublicKeyInfo info = SubjectPublicKeyInfo.getInstance(spki);
    KeyAndJca key = key(info, spki);
    PublicKey pub = verifier.publicKey(key.jcaKeyAlgorithm(), spki);
    return new io.custos.x509.CertificationRequest(new byte[0], name.toString(), encoded(name), fields(name),
        requestedKey(key, pub, spki), dnsNames.stream().map(String::strip).toList(), ips, List.of(), List.of(),
        List.of(), "generated");
  }

  private static Map<String, List<String>> fields(X500Name subject) {
    Map<String, List<String>> fields = new LinkedHashMap<>();
    for (RDN rdn : subject.getRDNs()) {
      for (AttributeTypeAndValue atv : rdn.getTypesAndValues()) {
        String name = BCStyle.INSTANCE.oidToDisplayName(atv.getType());
        if (name == null) {
          name = RFC4519Style.INSTANCE.oidToDisplayName(atv.getType());
        }
        fields.computeIfAbsent(name == null ? atv.getType().getId() : name, k -> new ArrayList<>())
            .add(atv.getValue().toString());
      }
    }
    return fields;
  }

  private static void names(Extension ext, List<String> dns, List<String> ips, List<String> emails, List<String> uris) {
    GeneralNames names;
    try {
      names = GeneralNames.getInstance(ext.getParsedValue());
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("the requested subject alternative names are malformed");
    }
    for (GeneralName n : names.getNames()) {
      switch (n.getTagNo()) {
        case GeneralName.dNSName -> dns.add(DERIA5String.getInstance(n.getName()).getString());
        case GeneralName.iPAddress -> {
          byte[] raw = org.bouncycastle.asn1.ASN1OctetString.getInstance(n.getName()).getOctets();
          if (raw.length != 4 && raw.length != 16) {
            throw new InvalidInputException("a requested IP address is " + raw.length + " bytes, not 4 or 16");
          }
          try {
            ips.add(InetAddress.getByAddress(raw).getHostAddress());
          } catch (java.net.UnknownHostException e) {
            throw new InvalidInputException("a requested IP address is malformed");
          }
        }
        case GeneralName.rfc822Name -> emails.add(DERIA5String.getInstance(n.getName()).getString());
        case GeneralName.uniformResourceIdentifier -> uris.add(DERIA5String.getInstance(n.getName()).getString());
        default -> throw new InvalidInputException("the request asks for a subject alternative name of type "
            + n.getTagNo() + "; only DNS names, IP addresses, e-mail addresses and URIs are issued");
      }
    }
  }

  private record KeyAndJca(String algorithm, String jcaKeyAlgorithm) {}

  private static KeyAndJca key(SubjectPublicKeyInfo info, byte[] spki) {
    ASN1ObjectIdentifier alg = info.getAlgorithm().getAlgorithm();
    if (alg.equals(PKCSObjectIdentifiers.rsaEncryption)) {
      return new KeyAndJca("rsa", "RSA");
    }
    if (alg.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
      ASN1Encodable params = info.getAlgorithm().getParameters();
      if (!(params instanceof ASN1ObjectIdentifier curve)) {
        throw new InvalidInputException("EC keys must name their curve (explicit curve parameters are refused)");
      }
      if (curve.equals(X9ObjectIdentifiers.prime256v1)) {
        return new KeyAndJca("ecdsa-p256", "EC");
      }
      if (curve.equals(org.bouncycastle.asn1.sec.SECObjectIdentifiers.secp384r1)) {
        return new KeyAndJca("ecdsa-p384", "EC");
      }
      return new KeyAndJca("ec-" + curve.getId(), "EC");
    }
    if (alg.equals(ED25519)) {
      return new KeyAndJca("ed25519", "Ed25519");
    }
    String mldsa = ML_DSA.get(alg.getId());
    if (mldsa != null) {
      return new KeyAndJca(mldsa, "ML-DSA");
    }
    throw new InvalidInputException("the requested key is of algorithm " + alg.getId()
        + "; RSA, ECDSA P-256/P-384, Ed25519 and ML-DSA keys are certified");
  }

  private static io.custos.x509.CertificationRequest.RequestedKey requestedKey(KeyAndJca key, PublicKey pub, byte[] spki) {
    int bits = switch (pub) {
      case RSAPublicKey rsa -> rsa.getModulus().bitLength();
      case ECPublicKey ec -> ec.getParams().getCurve().getField().getFieldSize();
      default -> key.algorithm().equals("ed25519") ? 255 : 0;
    };
    return new io.custos.x509.CertificationRequest.RequestedKey(key.algorithm(), bits, spki);
  }

  private static PSSParameterSpec pss(AlgorithmIdentifier sigAlg) {
    try {
      RSASSAPSSparams p = RSASSAPSSparams.getInstance(sigAlg.getParameters());
      String hash = digestName(p.getHashAlgorithm().getAlgorithm());
      AlgorithmIdentifier mgf = p.getMaskGenAlgorithm();
      if (!mgf.getAlgorithm().equals(PKCSObjectIdentifiers.id_mgf1)) {
        throw new InvalidInputException("RSA-PSS requests must use MGF1");
      }
      String mgfHash = digestName(AlgorithmIdentifier.getInstance(mgf.getParameters()).getAlgorithm());
      BigInteger salt = p.getSaltLength();
      if (salt.bitLength() > 16 || p.getTrailerField().intValue() != 1) {
        throw new InvalidInputException("RSA-PSS parameters are out of range");
      }
      return new PSSParameterSpec(hash, "MGF1", new MGF1ParameterSpec(mgfHash), salt.intValue(), 1);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new InvalidInputException("RSA-PSS parameters are malformed");
    }
  }

  private static String digestName(ASN1ObjectIdentifier oid) {
    return switch (oid.getId()) {
      case "2.16.840.1.101.3.4.2.1" -> "SHA-256";
      case "2.16.840.1.101.3.4.2.2" -> "SHA-384";
      case "2.16.840.1.101.3.4.2.3" -> "SHA-512";
      default -> throw new InvalidInputException("RSA-PSS with hash " + oid.getId() + " is not approved; use SHA-2");
    };
  }

  private static final Set<String> PEM_LABELS = Set.of("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST");

  /** DER from PEM or DER input. */
  static byte[] der(byte[] input) {
    if (input == null || input.length == 0) {
      throw new InvalidInputException("the certification request is empty");
    }
    if (input.length > MAX_BYTES) {
      throw new InvalidInputException("the certification request is " + input.length + " bytes; the limit is " + MAX_BYTES);
    }
    String text = new String(input, StandardCharsets.ISO_8859_1);
    int begin = text.indexOf("-----BEGIN ");
    if (begin < 0) {
      return input;
    }
    int labelEnd = text.indexOf("-----", begin + 11);
    if (labelEnd < 0) {
      throw new InvalidInputException("the PEM header is malformed");
    }
    String label = text.substring(begin + 11, labelEnd);
    if (!PEM_LABELS.contains(label)) {
      throw new InvalidInputException("expected a PEM CERTIFICATE REQUEST, found " + label);
    }
    String footer = "-----END " + label + "-----";
    int end = text.indexOf(footer, labelEnd);
    if (end < 0) {
      throw new InvalidInputException("the PEM block has no " + footer + " line");
    }
    if (text.indexOf("-----BEGIN ", end) >= 0) {
      throw new InvalidInputException("give one certification request, not several");
    }
    String body = text.substring(labelEnd + 5, end).replaceAll("\\s", "");
    try {
      return Base64.getDecoder().decode(body);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("the PEM body is not valid base64");
    }
  }

  /** The first element inside the DER SEQUENCE {@code der}, tag and length included. */
  static byte[] firstElement(byte[] der) {
    int inner = 1 + lengthOctets(der, 1);
    int end = inner + 1 + lengthOctets(der, inner + 1) + length(der, inner + 1);
    if (end > der.length) {
      throw new InvalidInputException("the certification request is truncated");
    }
    return Arrays.copyOfRange(der, inner, end);
  }

  private static int lengthOctets(byte[] der, int at) {
    int first = der[at] & 0xff;
    return first < 0x80 ? 1 : 1 + (first & 0x7f);
  }

  private static int length(byte[] der, int at) {
    int first = der[at] & 0xff;
    if (first < 0x80) {
      return first;
    }
    int n = first & 0x7f;
    if (n > 3) {
      throw new InvalidInputException("the certification request is too long");
    }
    int len = 0;
    for (int i = 1; i <= n; i++) {
      len = (len << 8) | (der[at + i] & 0xff);
    }
    return len;
  }

  private static byte[] encoded(ASN1Encodable e) {
    try {
      return e.toASN1Primitive().getEncoded("DER");
    } catch (IOException x) {
      throw new InvalidInputException("the request cannot be re-encoded");
    }
  }

  private static String clean(String message) {
    if (message == null) {
      return "malformed";
    }
    return message.length() > 120 ? message.substring(0, 120) + "…" : message;
  }
}
