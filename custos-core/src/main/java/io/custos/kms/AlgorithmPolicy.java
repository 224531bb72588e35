package io.custos.kms;

import io.custos.failure.ControlViolationException;
import io.custos.failure.InvalidInputException;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The approved algorithms (SS-002 11.3.9). The default approves every algorithm Custos
 * implements: each meets NIST SP 800-131A Rev. 2 beyond 2030 (≥ 128-bit security) and NCSC
 * guidance, including the post-quantum ML-DSA and ML-KEM. An organisation can narrow the list
 * (e.g. only P-384 and ML-DSA-87). Well-known weaker algorithms are refused with the reason.
 */
public final class AlgorithmPolicy {
  private static final Map<String, String> KNOWN_UNAPPROVED = Map.ofEntries(
      Map.entry("rsa-1024", "RSA-1024 gives 80-bit security, disallowed by NIST SP 800-131A"),
      Map.entry("rsa-2048", "RSA-2048 gives 112-bit security, disallowed after 2030 by NIST SP 800-131A"),
      Map.entry("ecdsa-p192", "P-192 gives 96-bit security, disallowed by NIST SP 800-131A"),
      Map.entry("ecdsa-p224", "P-224 gives 112-bit security, disallowed after 2030 by NIST SP 800-131A"),
      Map.entry("hmac-sha1", "HMAC-SHA-1 is legacy-use only under NIST SP 800-131A"),
      Map.entry("aes-128-gcm", "Custos keys are 256-bit: AES-128 gives no margin against quantum search"),
      Map.entry("aes-256-cbc", "CBC has no integrity; use aes-256-gcm"),
      Map.entry("3des", "Triple DES is disallowed by NIST SP 800-131A"),
      Map.entry("des", "DES is disallowed by NIST SP 800-131A"),
      Map.entry("rc4", "RC4 is broken and prohibited (RFC 7465)"),
      Map.entry("rsa-pkcs1v15", "RSA PKCS #1 v1.5 encryption is disallowed by NIST SP 800-131A"));

  private final Set<KeyAlgorithm> approved;

  private AlgorithmPolicy(Set<KeyAlgorithm> approved) {
    if (approved.isEmpty()) {
      throw new InvalidInputException("the approved-algorithm list is empty");
    }
    this.approved = EnumSet.copyOf(approved);
  }

  public static AlgorithmPolicy defaults() {
    return new AlgorithmPolicy(EnumSet.allOf(KeyAlgorithm.class));
  }

  /** A narrower list, by algorithm names; an unknown or unapproved name is refused. */
  public static AlgorithmPolicy only(Collection<String> ids) {
    Set<KeyAlgorithm> set = EnumSet.noneOf(KeyAlgorithm.class);
    for (String id : ids) {
      set.add(defaults().resolve(id));
    }
    return new AlgorithmPolicy(set);
  }

  /**
   * The algorithm named {@code id}, if it is approved.
   *
   * @throws ControlViolationException (SS-002 11.3.9) for a known algorithm that is not approved
   * @throws InvalidInputException for a name Custos does not know
   */
  public KeyAlgorithm resolve(String id) {
    String name = id == null ? "" : id.trim().toLowerCase(java.util.Locale.ROOT);
    KeyAlgorithm a = KeyAlgorithm.byId(name).orElse(null);
    if (a == null) {
      String why = KNOWN_UNAPPROVED.get(name);
      if (why != null) {
        throw new ControlViolationException("SS-002 11.3.9", "algorithm '" + name + "' is not approved: " + why);
      }
      throw new InvalidInputException("unknown algorithm '" + id + "'; one of " + names(EnumSet.allOf(KeyAlgorithm.class)));
    }
    if (!approved.contains(a)) {
      throw new ControlViolationException("SS-002 11.3.9", "algorithm '" + name
          + "' is not on this installation's approved list (" + names(approved) + ")");
    }
    return a;
  }

  public Set<KeyAlgorithm> approved() {
    return EnumSet.copyOf(approved);
  }

  private static String names(Set<KeyAlgorithm> set) {
    return set.stream().map(KeyAlgorithm::id).collect(Collectors.joining(", "));
  }
}
