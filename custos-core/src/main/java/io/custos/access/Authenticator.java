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

  /**
   * A client certificate chain as presented in the TLS handshake (end entity first). By default
   * only the end entity's key counts; authenticators that check the chain (against a trust
   * store) override this.
   */
  default Optional<Caller> certificateChain(java.util.List<java.security.cert.X509Certificate> chain,
      String clientAddress, String requestId) {
    if (chain == null || chain.isEmpty()) {
      return Optional.empty();
    }
    return certificate(chain.getFirst().getPublicKey().getEncoded(), clientAddress, requestId);
  }

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
