package io.custos.server;

import io.custos.access.Authenticator;
import io.custos.access.Caller;
import io.custos.failure.UnauthenticatedException;
import io.javalin.http.Context;
import java.security.cert.X509Certificate;
import java.util.Optional;

/**
 * Who sent a request. A bearer token ({@code Authorization: Bearer …}, or {@code X-Custos-Token}
 * for Vault-style clients) or a client certificate bound to a principal authenticates it;
 * presented credentials that do not authenticate are refused with 401 and one message that
 * does not say why. Without credentials a request is anonymous — on a dev server, the dev root.
 * The answer is worked out once per request, when a route first asks.
 */
final class Authentication {
  static final String AUTHENTICATOR = "custos.authenticator";
  private static final String RESULT = "custos.caller";
  private static final int MAX_TOKEN = 256;

  private Authentication() {}

  static Caller of(Context ctx, boolean devMode) {
    Object cached = ctx.attribute(RESULT);
    if (cached instanceof Caller c) {
      return c;
    }
    if (cached instanceof UnauthenticatedException e) {
      throw e;
    }
    Authenticator authenticator = ctx.attribute(AUTHENTICATOR);
    if (authenticator == null) {
      authenticator = Authenticator.none();
    }
    String address = ctx.ip();
    String requestId = RequestIds.of(ctx);
    Optional<String> token = token(ctx);
    Optional<Caller> caller;
    Throttle throttle = Throttle.of(ctx);
    if (throttle != null && (token.isPresent() || clientCertificate(ctx).isPresent())) {
      throttle.beforeAuthentication(ctx); // an address backing off is refused before any lookup
    }
    if (token.isPresent()) {
      caller = token.get().length() > MAX_TOKEN ? Optional.empty() : authenticator.token(token.get(), address, requestId);
    } else {
      java.util.List<X509Certificate> chain = clientChain(ctx);
      if (!chain.isEmpty()) {
        caller = authenticator.certificateChain(chain, address, requestId);
      } else {
        Caller none = devMode ? new Caller("dev-root", "dev-mode", address, requestId) : Caller.anonymous(address, requestId);
        ctx.attribute(RESULT, none);
        return none;
      }
    }
    if (caller.isEmpty()) {
      if (throttle != null) {
        throttle.authenticationFailed(ctx);
      }
      UnauthenticatedException e = new UnauthenticatedException();
      ctx.attribute(RESULT, e);
      throw e;
    }
    if (throttle != null) {
      throttle.authenticated(ctx, caller.get().principalId());
    }
    ctx.attribute(RESULT, caller.get());
    return caller.get();
  }

  /** Whether the request presented any credentials at all. */
  static boolean presented(Context ctx) {
    return token(ctx).isPresent() || clientCertificate(ctx).isPresent();
  }

  /** The bearer token the request presented, if any: for routes about the caller's own token. */
  static Optional<String> presentedToken(Context ctx) {
    return token(ctx);
  }

  static Optional<String> token(Context ctx) {
    String auth = ctx.header("Authorization");
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.of(auth.substring(7).trim());
    }
    String custos = ctx.header("X-Custos-Token");
    return custos == null || custos.isBlank() ? Optional.empty() : Optional.of(custos.trim());
  }

  /** The client certificate chain from the TLS handshake, end entity first; empty if none. */
  private static java.util.List<X509Certificate> clientChain(Context ctx) {
    Object chain = ctx.req().getAttribute("jakarta.servlet.request.X509Certificate");
    if (chain instanceof X509Certificate[] certs && certs.length > 0) {
      return java.util.List.of(certs);
    }
    return java.util.List.of();
  }

  /**
   * The SPKI SHA-256 (hex) of the client certificate a caller authenticated with ({@code mtls}),
   * if it did: recorded on tokens it obtains, so that a compromise of the key revokes them.
   */
  static Optional<String> certificateUsed(Context ctx, Caller caller) {
    if (!caller.authMethod().equals("mtls")) {
      return Optional.empty();
    }
    return clientCertificate(ctx).map(c -> {
      try {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
            .digest(c.getPublicKey().getEncoded()));
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  private static Optional<X509Certificate> clientCertificate(Context ctx) {
    Object chain = ctx.req().getAttribute("jakarta.servlet.request.X509Certificate");
    if (chain instanceof X509Certificate[] certs && certs.length > 0) {
      return Optional.of(certs[0]);
    }
    return Optional.empty();
  }
}
