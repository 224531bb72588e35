package io.custos.x509;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A certificate profile: what one kind of certificate may be (SS-002 11.1.6, 11.1.8, 11.3.3).
 * It fixes one purpose (key usage and extended key usage), the key algorithms accepted, the
 * names and subject fields required, the longest lifetime and the policy OIDs.
 *
 * @param keyAlgorithms accepted request key algorithms: {@code rsa}, {@code ecdsa-p256}, {@code ecdsa-p384},
 *     {@code ed25519}, {@code ml-dsa-44|65|87}
 * @param keyUsage key usage bits by name (digitalSignature, keyEncipherment, keyAgreement, …)
 * @param extendedKeyUsage EKU names: serverAuth, clientAuth, codeSigning, OCSPSigning, emailProtection
 * @param sanTypes subject alternative name types accepted: dns, ip, email, uri
 * @param requireSan whether at least one subject alternative name is required
 * @param requiredSubjectFields subject attributes that must be present (e.g. O, C)
 * @param maxLifetime the longest lifetime (never above the end-entity limit of SS-002 11.1.9)
 * @param policyOids certificate policy OIDs placed in every certificate
 * @param serverSideKeyGeneration whether Custos may generate the key pair (SS-002 11.1.2)
 * @param ocspNoCheck whether certificates carry id-pkix-ocsp-nocheck (OCSP signing)
 */
public record Profile(
    String name,
    String description,
    Set<String> keyAlgorithms,
    int minRsaBits,
    Set<String> keyUsage,
    List<String> extendedKeyUsage,
    Set<String> sanTypes,
    boolean requireSan,
    List<String> requiredSubjectFields,
    Duration maxLifetime,
    List<String> policyOids,
    boolean serverSideKeyGeneration,
    boolean ocspNoCheck) {

  public static final Set<String> STANDARD_KEYS = Set.of("rsa", "ecdsa-p256", "ecdsa-p384", "ed25519", "ml-dsa-44",
      "ml-dsa-65", "ml-dsa-87");
  /**
   * The default certificate policy OID, a UUID-based OID (ITU-T X.667) so that it needs no
   * registration; organisations put their own policy OIDs in custom profiles.
   */
  public static final String CUSTOS_POLICY = "2.25.147690550246037845648778116774131105348";

  public Profile {
    Objects.requireNonNull(name, "name");
    keyAlgorithms = Set.copyOf(keyAlgorithms);
    keyUsage = Set.copyOf(keyUsage);
    extendedKeyUsage = List.copyOf(extendedKeyUsage);
    sanTypes = Set.copyOf(sanTypes);
    requiredSubjectFields = List.copyOf(requiredSubjectFields);
    Objects.requireNonNull(maxLifetime, "maxLifetime");
    policyOids = List.copyOf(policyOids);
    if (maxLifetime.compareTo(CaLevel.END_ENTITY.maxLifetime()) > 0) {
      throw new io.custos.failure.ControlViolationException("SS-002 11.1.9", "profile '" + name + "' allows "
          + maxLifetime.toDays() + " days; end-entity certificates live at most 2 years");
    }
  }

  /**
   * The built-in profiles. Server-side key generation (SS-002 11.1.2 prefers keys made on the end
   * entity) is allowed only for {@code tls-client}, whose holders are often people and small
   * devices without a tool to make a request; a server, a code signer and an OCSP responder make
   * their own keys where they are used, and must send a request.
   */
  public static List<Profile> builtIn() {
    Duration year = Duration.ofDays(365);
    return List.of(
        new Profile("tls-server", "TLS server authentication", STANDARD_KEYS, 3072,
            Set.of("digitalSignature"), List.of("serverAuth"), Set.of("dns", "ip"), true, List.of(), year,
            List.of(CUSTOS_POLICY), false, false),
        new Profile("tls-client", "TLS client authentication (people and machines, mutual TLS)", STANDARD_KEYS, 3072,
            Set.of("digitalSignature"), List.of("clientAuth"), Set.of("dns", "ip", "email", "uri"), false,
            List.of("CN"), year, List.of(CUSTOS_POLICY), true, false),
        new Profile("code-signing", "Signing code and container images", STANDARD_KEYS, 3072,
            Set.of("digitalSignature"), List.of("codeSigning"), Set.of("email", "uri"), false, List.of("CN", "O"), year,
            List.of(CUSTOS_POLICY), false, false),
        new Profile("ocsp-signing", "Delegated OCSP response signing", STANDARD_KEYS, 3072,
            Set.of("digitalSignature"), List.of("OCSPSigning"), Set.of(), false, List.of("CN"), Duration.ofDays(90),
            List.of(CUSTOS_POLICY), false, true));
  }

  public static java.util.Optional<Profile> builtIn(String name) {
    return builtIn().stream().filter(p -> p.name().equals(name)).findFirst();
  }
}
