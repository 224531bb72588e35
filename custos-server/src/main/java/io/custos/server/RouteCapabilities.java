package io.custos.server;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What every route of the HTTP API needs (SS-002 11.3.5): the capability it checks and the
 * resource it checks it on, or that it is public, or that any authenticated caller may use it.
 * The route-by-role matrix test enumerates the server's registered routes against this table, so
 * a route added without an entry here fails the build.
 *
 * <p>Public routes and why:
 * <ul>
 *   <li>{@code GET /v1/sys/health}, {@code GET /v1/sys/seal-status}: load balancers and
 *       operators ask before anyone can log in (a sealed node authenticates nobody), as with Vault;
 *   <li>{@code PUT /v1/sys/init}, {@code PUT /v1/sys/unseal}: possession of the unseal shares is
 *       the authority, there is no principal yet;
 *   <li>{@code GET /v1/openapi.json}: the API's description, no data;
 *   <li>{@code GET /v1/audit/public-key}: the checkpoint verification key is public by nature;
 *   <li>{@code GET /metrics}: scraped by Prometheus without a token, like Vault with
 *       {@code unauthenticated_metrics_access}; it holds counts, latencies and states by route
 *       template and action name only, never key names, principals, tokens or resources;
 *   <li>{@code GET /v1/ca/{name}/chain}, {@code GET /v1/ca/{name}/cert}: a CA's certificates are
 *       public by nature — anyone must be able to build a trust store, and the cert URL is the
 *       AIA caIssuers address written into every issued certificate;
 *   <li>{@code POST /v1/ocsp/{ca}}, {@code GET /v1/ocsp/{ca}/<request>}: the OCSP responder at the
 *       AIA OCSP address; certificate status is public by nature and relying parties have no token.
 *   <li>{@code GET /v1/ca/{name}/crl}, {@code GET /v1/ca/{name}/crl/delta}: CRLs are signed and
 *       public by nature, fetched by relying parties at the CRL distribution point of every
 *       issued certificate (SS-002 11.6.4).
 * </ul>
 */
public final class RouteCapabilities {

  /** Who may call a route. */
  public enum Kind {
    /** No credentials needed. */
    PUBLIC,
    /** Any authenticated caller, about itself (its own token). */
    AUTHENTICATED,
    /** A grant of {@link Access#capability()} on {@link Access#resource()}. */
    CAPABILITY
  }

  /**
   * @param capability the capability checked (CAPABILITY only)
   * @param resource the resource it is checked on, {@code {name}} standing for the path parameter
   * @param alternatives capabilities some requests of the route need instead (e.g. destroying a key)
   * @param note when more than the grant decides (key owners, a caller's own token)
   */
  public record Access(Kind kind, Optional<String> capability, String resource, List<String> alternatives, String note) {
    public Access {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(capability, "capability");
      Objects.requireNonNull(resource, "resource");
      alternatives = List.copyOf(alternatives);
      Objects.requireNonNull(note, "note");
      if ((kind == Kind.CAPABILITY) != capability.isPresent()) {
        throw new IllegalArgumentException("a capability is given exactly for CAPABILITY routes");
      }
    }

    /** "public", "authenticated" or the capability. */
    public String label() {
      return switch (kind) {
        case PUBLIC -> "public";
        case AUTHENTICATED -> "authenticated";
        case CAPABILITY -> capability.orElseThrow();
      };
    }
  }

  private static final Map<String, Access> ROUTES = new LinkedHashMap<>();

  static {
    // sys
    pub("GET /v1/sys/health", "health for load balancers, before anyone can log in");
    pub("GET /v1/sys/seal-status", "seal state, before anyone can log in");
    pub("PUT /v1/sys/init", "the shares it creates are the authority");
    pub("PUT /v1/sys/unseal", "possession of a share is the authority");
    pub("GET /v1/openapi.json", "the API description");
    pub("GET /metrics", "Prometheus scrape without a token; counts only, no identifiers");
    cap("PUT /v1/sys/rotate", "operator:rotate", "sys/barrier");
    cap("PUT /v1/sys/seal", "operator:seal", "sys/seal");
    // audit
    cap("GET /v1/audit/export", "audit:read", "audit/log");
    cap("GET /v1/audit/events", "audit:read", "audit/log");
    cap("GET /v1/audit/checkpoint", "audit:read", "audit/log");
    cap("GET /v1/audit/proof/inclusion", "audit:read", "audit/log");
    cap("GET /v1/audit/proof/consistency", "audit:read", "audit/log");
    pub("GET /v1/audit/public-key", "the checkpoint verification key is public");
    cap("POST /v1/audit/hash", "audit:read", "audit/hmac");
    cap("POST /v1/audit/import", "audit:import", "audit/offline");
    // keys
    String owner = "the key's owner needs no grant for its own key (SS-002 11.3.10)";
    cap("POST /v1/keys", "kms:create", "keys/{name}");
    ROUTES.put("GET /v1/keys", new Access(Kind.CAPABILITY, Optional.of("kms:list"), "keys/*", List.of(),
        "without kms:list a caller sees only the keys it owns"));
    ownerCap("GET /v1/keys/{name}", "kms:read", List.of(), owner);
    ownerCap("GET /v1/keys/{name}/public", "kms:read", List.of(), owner);
    ownerCap("POST /v1/keys/{name}/rotate", "kms:rotate", List.of(), owner);
    ownerCap("POST /v1/keys/{name}/state", "kms:manage", List.of("kms:compromise", "kms:destroy"),
        owner + "; compromising needs kms:compromise, destroying kms:destroy");
    for (String op : List.of("encrypt", "decrypt", "rewrap", "datakey", "sign", "verify", "mac", "verify-mac", "wrap",
        "unwrap", "backup")) {
      ownerCap("POST /v1/keys/{name}/" + op, "kms:" + op, List.of(), owner);
    }
    cap("POST /v1/keys/restore", "kms:restore", "keys/{name}");
    cap("GET /v1/keys/import-key", "kms:import", "keys/*");
    cap("POST /v1/keys/import", "kms:import", "keys/{name}");
    // access
    cap("POST /v1/access/principals", "access:principal-write", "access/principals/{id}",
        List.of(), "roles or policies given at creation need access:role-write too");
    cap("GET /v1/access/principals", "access:read", "access/principals/*");
    cap("GET /v1/access/principals/{id}", "access:read", "access/principals/{id}");
    cap("POST /v1/access/principals/{id}/disable", "access:principal-write", "access/principals/{id}");
    cap("PUT /v1/access/principals/{id}/roles", "access:role-write", "access/principals/{id}");
    cap("POST /v1/access/principals/{id}/certificates", "access:principal-write", "access/principals/{id}");
    cap("POST /v1/access/tokens", "access:token-create", "access/tokens/{principal}");
    cap("GET /v1/access/tokens", "access:read", "access/tokens/{principal}");
    auth("GET /v1/access/tokens/self", "the caller's own token");
    auth("POST /v1/access/tokens/self/renew", "the caller's own token");
    cap("POST /v1/access/tokens/revoke", "access:token-revoke", "access/tokens/{principal}", List.of(),
        "a caller may always revoke its own token");
    cap("GET /v1/access/policies", "access:read", "access/policies/*");
    cap("GET /v1/access/policies/{name}", "access:read", "access/policies/{name}");
    cap("PUT /v1/access/policies/{name}", "access:policy-write", "access/policies/{name}");
    cap("DELETE /v1/access/policies/{name}", "access:policy-write", "access/policies/{name}");
    cap("POST /v1/access/revoke", "access:revoke", "access/revoke");
    cap("GET /v1/access/review", "access:review", "access/review");
    // approvals (dual control)
    cap("GET /v1/approvals", "approval:read", "approvals/*");
    cap("GET /v1/approvals/{id}", "approval:read", "approvals/*");
    cap("POST /v1/approvals/{id}/approve", "approval:decide", "approvals/{family}/{capability}", List.of(),
        "checked on the request's capability, e.g. approvals/kms/backup");
    cap("POST /v1/approvals/{id}/deny", "approval:decide", "approvals/{family}/{capability}", List.of(),
        "checked on the request's capability, e.g. approvals/kms/backup");
    // trust stores
    cap("GET /v1/trust", "trust:read", "trust");
    cap("GET /v1/trust/{name}", "trust:read", "trust/{name}");
    cap("POST /v1/trust/{name}/import", "trust:import", "trust/{name}");
    cap("GET /v1/trust/{name}/export", "trust:export", "trust/{name}");
    cap("DELETE /v1/trust/{name}/anchors/{sha256}", "trust:import", "trust/{name}");
    // certificate authority (SS-002 11.1.x, 11.3.1, 11.5.2)
    cap("POST /v1/ca", "ca:create", "ca/{name}");
    cap("GET /v1/ca", "ca:read", "ca/*");
    cap("GET /v1/ca/profiles", "ca:read", "ca/profiles/*");
    cap("GET /v1/ca/profiles/{name}", "ca:read", "ca/profiles/{name}");
    cap("PUT /v1/ca/profiles/{name}", "ca:profile", "ca/profiles/{name}");
    cap("DELETE /v1/ca/profiles/{name}", "ca:profile", "ca/profiles/{name}");
    cap("GET /v1/ca/{name}", "ca:read", "ca/{name}");
    cap("GET /v1/ca/{name}/cps", "ca:read", "ca/{name}");
    cap("POST /v1/ca/{name}/activate", "ca:create", "ca/{name}");
    pub("GET /v1/ca/{name}/chain", "a CA's chain is public: anyone may build a trust store from it");
    pub("GET /v1/ca/{name}/cert", "the AIA caIssuers URL written into issued certificates");
    pub("POST /v1/ocsp/{ca}", "the AIA OCSP URL: relying parties ask without credentials (RFC 6960)");
    pub("GET /v1/ocsp/{ca}/<request>", "the AIA OCSP URL, GET form (RFC 6960 Appendix A)");
    cap("POST /v1/ca/{name}/issue", "ca:issue", "ca/{name}/profiles/{profile}", List.of(),
        "decided by the CA with the requested names as the grant's name constraints");
    cap("POST /v1/ca/{name}/issue-batch", "ca:issue", "ca/{name}/profiles/{profile}", List.of(),
        "decided by the CA for each request in the batch, with its names as the grant's name constraints");
    cap("GET /v1/certs", "ca:read", "ca/*", List.of(), "with ?ca=NAME checked on ca/NAME");
    cap("GET /v1/certs/{serial}", "ca:read", "ca/*");
    // revocation and CRLs (SS-002 11.6.1, 11.6.4)
    cap("POST /v1/certs/{serial}/revoke", "ca:revoke", "ca/{ca}/certs/{serial}", List.of(),
        "decided by the CA on the certificate's own CA");
    pub("GET /v1/ca/{name}/crl", "the CRL distribution point written into issued certificates: relying parties fetch it");
    pub("GET /v1/ca/{name}/crl/delta", "the Freshest CRL (delta) of the CA's full CRL: relying parties fetch it");
    cap("POST /v1/ca/{name}/crl", "ca:create", "ca/{name}", List.of(),
        "publishes the offline root's CRL; accepted only with the root's valid signature");
    // key compromise (SS-002 11.6.1–11.6.3)
    cap("POST /v1/compromise", "compromise:declare", "compromise/declare", List.of(),
        "revokes with the caller's own ca:revoke and kms:compromise grants; a fresh second factor is required");
    cap("GET /v1/compromise/plan", "compromise:read", "compromise/plan");
    // second factor: a person enrols and proves their own
    auth("POST /v1/auth/totp/enroll", "the caller enrols its own second factor (people only)");
    auth("POST /v1/auth/totp/confirm", "the caller confirms its own enrolment");
    auth("POST /v1/auth/totp/verify", "the caller proves its own second factor on its own token");
  }

  private RouteCapabilities() {}

  private static void pub(String route, String why) {
    ROUTES.put(route, new Access(Kind.PUBLIC, Optional.empty(), "", List.of(), why));
  }

  private static void auth(String route, String note) {
    ROUTES.put(route, new Access(Kind.AUTHENTICATED, Optional.empty(), "", List.of(), note));
  }

  private static void cap(String route, String capability, String resource) {
    cap(route, capability, resource, List.of(), "");
  }

  private static void cap(String route, String capability, String resource, List<String> alternatives, String note) {
    ROUTES.put(route, new Access(Kind.CAPABILITY, Optional.of(capability), resource, alternatives, note));
  }

  private static void ownerCap(String route, String capability, List<String> alternatives, String note) {
    cap(route, capability, "keys/{name}", alternatives, note);
  }

  /** Every mapped route, "METHOD /path" (Javalin path syntax) to what it needs. */
  public static Map<String, Access> all() {
    return Collections.unmodifiableMap(ROUTES);
  }

  /** What {@code route} ("METHOD /path") needs, if it is mapped. */
  public static Optional<Access> of(String route) {
    return Optional.ofNullable(ROUTES.get(route));
  }
}
