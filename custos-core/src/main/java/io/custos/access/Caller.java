package io.custos.access;

import java.util.Objects;

/**
 * Who is asking, as authenticated, and from where.
 *
 * @param principalId the principal's id, e.g. {@code alice}; {@code anonymous} if unauthenticated
 * @param authMethod how they proved it, e.g. {@code token}, {@code mtls}, {@code none}
 * @param clientAddress peer address, empty for the local CLI
 * @param requestId correlation id of the request
 * @param secondFactorAt when this caller's session last proved a second factor, if ever
 */
public record Caller(String principalId, String authMethod, String clientAddress, String requestId,
    java.util.Optional<java.time.Instant> secondFactorAt) {
  public Caller {
    Objects.requireNonNull(principalId, "principalId");
    Objects.requireNonNull(authMethod, "authMethod");
    Objects.requireNonNull(clientAddress, "clientAddress");
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(secondFactorAt, "secondFactorAt");
  }

  public Caller(String principalId, String authMethod, String clientAddress, String requestId) {
    this(principalId, authMethod, clientAddress, requestId, java.util.Optional.empty());
  }

  public static Caller anonymous(String clientAddress, String requestId) {
    return new Caller("anonymous", "none", clientAddress, requestId);
  }
}
