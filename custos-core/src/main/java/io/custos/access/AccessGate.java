package io.custos.access;

/**
 * Decides whether a caller may use a capability (e.g. {@code audit:read}) on a resource.
 * Everything not granted is denied. Implementations are pure: no side effects; the caller
 * audits the decision.
 */
public interface AccessGate {
  Decision check(Caller caller, String capability, String resource);

  /**
   * As {@link #check(Caller, String, String)}, with attributes a grant's constraints look at —
   * for {@code ca:issue}: the requested {@code dns} names, {@code ip} addresses and {@code profile}.
   */
  default Decision check(Caller caller, String capability, String resource,
      java.util.Map<String, java.util.List<String>> attributes) {
    return check(caller, capability, resource);
  }

  /**
   * Development servers only: every caller is the dev root and may do everything. Marked in
   * every decision so the audit trail shows it.
   */
  static AccessGate devMode() {
    return (caller, capability, resource) -> new Decision.Allow("dev-mode root");
  }

  /**
   * Development servers: the dev root (requests without credentials) may do everything;
   * callers who presented credentials are decided by {@code real}.
   */
  static AccessGate devMode(AccessGate real) {
    return new AccessGate() {
      @Override
      public Decision check(Caller caller, String capability, String resource) {
        return caller.authMethod().equals("dev-mode") ? new Decision.Allow("dev-mode root")
            : real.check(caller, capability, resource);
      }

      @Override
      public Decision check(Caller caller, String capability, String resource,
          java.util.Map<String, java.util.List<String>> attributes) {
        return caller.authMethod().equals("dev-mode") ? new Decision.Allow("dev-mode root")
            : real.check(caller, capability, resource, attributes);
      }
    };
  }

  /**
   * Until principals and policies are configured: nothing protected is allowed. The audit
   * log then stays readable offline ({@code custos audit export --data-dir}).
   */
  static AccessGate closed() {
    return (caller, capability, resource) -> new Decision.Deny(
        "'" + capability + "' on '" + resource + "' needs a grant, and no access policies are configured",
        java.util.Optional.of("SS-002 11.3.5"));
  }
}
