package io.custos.access;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The starting roles, each least-privileged for its job. A role is a policy named
 * {@code role:<name>}; principals get them with {@code --role}. Use of a key by its owner needs no
 * role: owners use their own keys (SS-002 11.3.10).
 */
public final class BuiltInRoles {
  private static final Map<String, Policy> ROLES = new TreeMap<>();

  static {
    role("admin", "Manages principals, policies, tokens and trust stores; uses no keys.",
        List.of(g("access:*", "**"), g("trust:*", "**"), g("sys:read", "**"), g("approval:read", "**")),
        Set.of("access:policy-write", "access:role-write", "access:revoke", "trust:import", "trust:export"));
    role("custodian", "Crypto custodian: seals the node and rotates the barrier; witnesses ceremonies.",
        List.of(g("operator:*", "**"), g("sys:read", "**"), g("compromise:read", "compromise/**")), Set.of("operator:*"));
    role("crypto-officer", "Runs the key and CA lifecycle: creates, rotates, backs up, restores and destroys.",
        List.of(g("kms:create", "keys/**"), g("kms:import", "keys/**"), g("kms:list", "**"), g("kms:read", "keys/**"),
            g("kms:rotate", "keys/**"), g("kms:manage", "keys/**"), g("kms:compromise", "keys/**"),
            g("kms:destroy", "keys/**"), g("kms:backup", "keys/**"), g("kms:restore", "keys/**"),
            g("kms:export", "keys/**"), g("kms:wrap", "keys/**"), g("kms:unwrap", "keys/**"),
            g("ca:create", "ca/**"), g("ca:read", "ca/**"), g("ca:revoke", "ca/**"), g("ca:profile", "ca/profiles/**"),
            g("sys:read", "**"),
            g("audit:import", "audit/offline"),
            g("compromise:declare", "compromise/**"), g("compromise:read", "compromise/**")),
        Set.of("kms:destroy", "kms:compromise", "kms:backup", "kms:restore", "kms:export", "ca:create", "ca:profile",
            "compromise:declare"));
    role("operator", "Keeps the service running: health, seal status, inventories; no key use.",
        List.of(g("sys:read", "**"), g("kms:list", "**"), g("kms:read", "keys/**"), g("ca:read", "ca/**")), Set.of());
    role("auditor", "Reads the audit log, inventories and the access review; changes nothing.",
        List.of(g("audit:read", "**"), g("access:read", "**"), g("access:review", "**"), g("kms:list", "**"),
            g("kms:read", "keys/**"), g("ca:read", "ca/**"), g("trust:read", "**"), g("approval:read", "**"),
            g("sys:read", "**"), g("compromise:read", "compromise/**")), Set.of());
    role("requester", "Asks for certificates within the names its grants allow; reads CAs.",
        List.of(g("ca:read", "ca/**"), g("approval:read", "**")), Set.of());
    role("approver", "Approves or denies requests that need dual control.",
        List.of(g("approval:read", "**"), g("approval:decide", "**")), Set.of("approval:decide"));
  }

  private BuiltInRoles() {}

  private static Grant g(String capability, String resource) {
    return Grant.of(capability, resource);
  }

  private static void role(String name, String description, List<Grant> grants, Set<String> stepUp) {
    ROLES.put(name, new Policy("role:" + name, 1, description, grants, stepUp, Policy.DEFAULT_STEP_UP));
  }

  public static Set<String> names() {
    return ROLES.keySet();
  }

  /** The policy of a role, by role name. */
  public static Policy policy(String role) {
    Policy p = ROLES.get(role);
    if (p == null) {
      throw new io.custos.failure.InvalidInputException("unknown role '" + role + "'; one of " + names());
    }
    return p;
  }

  public static Map<String, Policy> all() {
    return java.util.Collections.unmodifiableMap(ROLES);
  }
}
