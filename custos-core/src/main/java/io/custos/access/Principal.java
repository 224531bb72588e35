package io.custos.access;

import io.custos.failure.InvalidInputException;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A person or machine that can own keys and certificates (SS-002 11.3.10) and be granted
 * capabilities through roles and policies.
 *
 * @param clientCertificates SHA-256 of the SubjectPublicKeyInfo of each client certificate bound
 *     to this principal (hex), for mutual TLS
 */
public record Principal(
    String id,
    PrincipalKind kind,
    String displayName,
    String email,
    Optional<String> phone,
    List<String> roles,
    List<String> policies,
    List<String> clientCertificates,
    boolean disabled,
    Instant createdAt) {

  public static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,127}");
  private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]{1,255}");
  private static final Pattern SPKI = Pattern.compile("[0-9a-f]{64}");

  public Principal {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(displayName, "displayName");
    Objects.requireNonNull(email, "email");
    Objects.requireNonNull(phone, "phone");
    roles = List.copyOf(roles);
    policies = List.copyOf(policies);
    clientCertificates = List.copyOf(clientCertificates);
    Objects.requireNonNull(createdAt, "createdAt");
  }

  public Principal validate() {
    if (!ID.matcher(id).matches() || id.equals("anonymous")) {
      throw new InvalidInputException("principal id must match [A-Za-z0-9][A-Za-z0-9._@-]{0,127} (not 'anonymous'), got '"
          + id + "'");
    }
    if (displayName.isBlank() || displayName.length() > 200) {
      throw new InvalidInputException("display name must be 1 to 200 characters");
    }
    if (!EMAIL.matcher(email).matches()) {
      throw new InvalidInputException("contact must be an e-mail address, got '" + email + "'");
    }
    if (phone.isPresent() && !phone.get().matches("\\+?[0-9 ()-]{3,32}")) {
      throw new InvalidInputException("phone must be digits, spaces, ( ) - and an optional leading +");
    }
    for (String r : roles) {
      if (!BuiltInRoles.names().contains(r)) {
        throw new InvalidInputException("unknown role '" + r + "'; one of " + BuiltInRoles.names());
      }
    }
    for (String c : clientCertificates) {
      if (!SPKI.matcher(c).matches()) {
        throw new InvalidInputException("client certificate binding must be a SHA-256 SPKI hash in hex");
      }
    }
    return this;
  }

  public Principal withDisabled(boolean d) {
    return new Principal(id, kind, displayName, email, phone, roles, policies, clientCertificates, d, createdAt);
  }

  public Principal withRoles(List<String> r, List<String> p) {
    return new Principal(id, kind, displayName, email, phone, r, p, clientCertificates, disabled, createdAt);
  }

  public Principal withClientCertificates(List<String> c) {
    return new Principal(id, kind, displayName, email, phone, roles, policies, c, disabled, createdAt);
  }
}
