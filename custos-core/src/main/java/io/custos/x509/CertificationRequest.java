package io.custos.x509;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A PKCS#10 certification request whose proof-of-possession signature has been verified, with
 * what it asks for. Nothing here is trusted beyond that: profile rules, authorisation of the
 * names and the key checks come after (see {@link RequestChecks}).
 *
 * @param subject the subject as RFC 4514 text
 * @param subjectDer the subject name exactly as requested, DER
 * @param subjectFields attribute short name (CN, O, OU, C, L, ST, emailAddress …) to values
 * @param key the public key requested
 * @param extensionOids the OIDs of every requested extension, in order
 * @param signatureAlgorithm the JCA name of the scheme the requester signed with
 */
public record CertificationRequest(
    byte[] der,
    String subject,
    byte[] subjectDer,
    Map<String, List<String>> subjectFields,
    RequestedKey key,
    List<String> dnsNames,
    List<String> ipAddresses,
    List<String> emails,
    List<String> uris,
    List<String> extensionOids,
    String signatureAlgorithm) {

  public CertificationRequest {
    der = der.clone();
    Objects.requireNonNull(subject, "subject");
    subjectDer = subjectDer.clone();
    subjectFields = Map.copyOf(subjectFields);
    Objects.requireNonNull(key, "key");
    dnsNames = List.copyOf(dnsNames);
    ipAddresses = List.copyOf(ipAddresses);
    emails = List.copyOf(emails);
    uris = List.copyOf(uris);
    extensionOids = List.copyOf(extensionOids);
    Objects.requireNonNull(signatureAlgorithm, "signatureAlgorithm");
  }

  @Override
  public byte[] der() {
    return der.clone();
  }

  @Override
  public byte[] subjectDer() {
    return subjectDer.clone();
  }

  /** The first common name, if any. */
  public java.util.Optional<String> commonName() {
    return subjectFields.getOrDefault("CN", List.of()).stream().findFirst();
  }

  /**
   * The public key of a request.
   *
   * @param algorithm Custos's name for it: {@code rsa}, {@code ecdsa-p256}, {@code ecdsa-p384},
   *     {@code ed25519}, {@code ml-dsa-44|65|87}, or the curve/OID when unsupported
   * @param bits key size (RSA modulus bits, curve bits; 0 for ML-DSA)
   * @param spki X.509 SubjectPublicKeyInfo DER
   */
  public record RequestedKey(String algorithm, int bits, byte[] spki) {
    public RequestedKey {
      Objects.requireNonNull(algorithm, "algorithm");
      spki = spki.clone();
    }

    @Override
    public byte[] spki() {
      return spki.clone();
    }
  }
}
