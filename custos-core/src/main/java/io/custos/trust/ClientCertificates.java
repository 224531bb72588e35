package io.custos.trust;

import io.custos.access.Authenticator;
import io.custos.access.Caller;
import io.custos.failure.ControlViolationException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Authentication with a client certificate (mutual TLS) for machines: the presented chain must
 * validate to an anchor of the trust store {@value TrustStores#CLIENTS} (SS-002 11.4.5) and the
 * end entity's public key (SHA-256 of its SubjectPublicKeyInfo) must be bound to an enabled
 * principal. Both are read from the store on every request, so removing an anchor or a binding
 * takes effect on the very next request (SS-002 11.6.1). Tokens pass straight to the delegate.
 */
public final class ClientCertificates implements Authenticator {
  private static final System.Logger LOG = System.getLogger(ClientCertificates.class.getName());

  private final Authenticator delegate;
  private final TrustStores trust;
  private final String storeName;

  public ClientCertificates(Authenticator delegate, TrustStores trust) {
    this(delegate, trust, TrustStores.CLIENTS);
  }

  public ClientCertificates(Authenticator delegate, TrustStores trust, String storeName) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.trust = Objects.requireNonNull(trust, "trust");
    this.storeName = Objects.requireNonNull(storeName, "storeName");
  }

  @Override
  public Optional<Caller> token(String token, String clientAddress, String requestId) {
    return delegate.token(token, clientAddress, requestId);
  }

  /** A bare key without its chain cannot be checked against the trust store: refused. */
  @Override
  public Optional<Caller> certificate(byte[] spki, String clientAddress, String requestId) {
    return Optional.empty();
  }

  @Override
  public Optional<Caller> certificateChain(List<X509Certificate> chain, String clientAddress, String requestId) {
    TrustStores.Verdict verdict;
    try {
      verdict = trust.verify(storeName, chain);
    } catch (ControlViolationException e) {
      // A tampered trust store trusts nothing; say so loudly to the operator, not to the client.
      LOG.log(System.Logger.Level.ERROR, e.getMessage());
      return Optional.empty();
    }
    if (!verdict.trusted()) {
      return Optional.empty();
    }
    return delegate.certificate(chain.getFirst().getPublicKey().getEncoded(), clientAddress, requestId);
  }
}
