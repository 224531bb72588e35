package io.custos.access;

import java.util.Optional;

/**
 * Turns presented credentials into a {@link Caller}. Empty means the credentials do not
 * authenticate (unknown, malformed, forged, expired or revoked, or a disabled principal);
 * front ends answer that with one message that does not say which.
 */
public interface Authenticator {
  Optional<Caller> token(String token, String clientAddress, String requestId);

  /** A client certificate, by its DER SubjectPublicKeyInfo. */
  Optional<Caller> certificate(byte[] spki, String clientAddress, String requestId);

  /** Authenticates nothing: for nodes that are not initialised yet and for tests. */
  static Authenticator none() {
    return new Authenticator() {
      @Override
      public Optional<Caller> token(String token, String clientAddress, String requestId) {
        return Optional.empty();
      }

      @Override
      public Optional<Caller> certificate(byte[] spki, String clientAddress, String requestId) {
        return Optional.empty();
      }
    };
  }
}
