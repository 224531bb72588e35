package io.custos.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.access.BuiltInRoles;
import io.custos.access.Capabilities;
import io.custos.access.Decision;
import io.custos.access.PolicyEngine;
import io.custos.access.Principal;
import io.custos.access.PrincipalKind;
import io.custos.app.config.ConfigLoader;
import io.custos.app.config.CustosConfig;
import io.custos.server.RouteCapabilities;
import io.custos.store.StorageUrl;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every route the running node serves × every built-in role: allowed or denied, against a literal
 * table. A route without a capability mapping, or whose roles change, fails here (SS-002 11.3.5).
 */
class RouteCapabilityMatrixTest {
  private static final Set<String> ALL = BuiltInRoles.names();
  private static final Set<String> NONE = Set.of();
  private static final Set<String> CO = Set.of("crypto-officer");
  private static final Set<String> KEY_READERS = Set.of("crypto-officer", "operator", "auditor");
  private static final Set<String> ADMIN = Set.of("admin");
  private static final Set<String> READERS = Set.of("admin", "auditor");
  private static final Set<String> CA_READERS = Set.of("crypto-officer", "operator", "auditor", "requester");

  /** Route → the built-in roles that may call it (on a key the caller does not own). */
  private static final Map<String, Set<String>> EXPECTED = new TreeMap<>(Map.ofEntries(
      Map.entry("GET /v1/sys/health", ALL),
      Map.entry("GET /v1/sys/seal-status", ALL),
      Map.entry("PUT /v1/sys/init", ALL),
      Map.entry("PUT /v1/sys/unseal", ALL),
      Map.entry("GET /v1/openapi.json", ALL),
      Map.entry("GET /metrics", ALL),
      Map.entry("PUT /v1/sys/rotate", Set.of("custodian")),
      Map.entry("PUT /v1/sys/seal", Set.of("custodian")),
      Map.entry("GET /v1/audit/export", Set.of("auditor")),
      Map.entry("GET /v1/audit/events", Set.of("auditor")),
      Map.entry("GET /v1/audit/checkpoint", Set.of("auditor")),
      Map.entry("GET /v1/audit/proof/inclusion", Set.of("auditor")),
      Map.entry("GET /v1/audit/proof/consistency", Set.of("auditor")),
      Map.entry("GET /v1/audit/public-key", ALL),
      Map.entry("POST /v1/audit/hash", Set.of("auditor")),
      Map.entry("POST /v1/audit/import", CO),
      Map.entry("POST /v1/keys", CO),
      Map.entry("GET /v1/keys", KEY_READERS),
      Map.entry("GET /v1/keys/{name}", KEY_READERS),
      Map.entry("GET /v1/keys/{name}/public", KEY_READERS),
      Map.entry("POST /v1/keys/{name}/rotate", CO),
      Map.entry("POST /v1/keys/{name}/state", CO),
      Map.entry("POST /v1/keys/{name}/encrypt", NONE),
      Map.entry("POST /v1/keys/{name}/decrypt", NONE),
      Map.entry("POST /v1/keys/{name}/rewrap", NONE),
      Map.entry("POST /v1/keys/{name}/datakey", NONE),
      Map.entry("POST /v1/keys/{name}/sign", NONE),
      Map.entry("POST /v1/keys/{name}/verify", NONE),
      Map.entry("POST /v1/keys/{name}/mac", NONE),
      Map.entry("POST /v1/keys/{name}/verify-mac", NONE),
      Map.entry("POST /v1/keys/{name}/wrap", CO),
      Map.entry("POST /v1/keys/{name}/unwrap", CO),
      Map.entry("POST /v1/keys/{name}/backup", CO),
      Map.entry("POST /v1/keys/restore", CO),
      Map.entry("GET /v1/keys/import-key", CO),
      Map.entry("POST /v1/keys/import", CO),
      Map.entry("POST /v1/access/principals", ADMIN),
      Map.entry("GET /v1/access/principals", READERS),
      Map.entry("GET /v1/access/principals/{id}", READERS),
      Map.entry("POST /v1/access/principals/{id}/disable", ADMIN),
      Map.entry("PUT /v1/access/principals/{id}/roles", ADMIN),
      Map.entry("POST /v1/access/principals/{id}/certificates", ADMIN),
      Map.entry("POST /v1/access/tokens", ADMIN),
      Map.entry("GET /v1/access/tokens", READERS),
      Map.entry("GET /v1/access/tokens/self", ALL),
      Map.entry("POST /v1/access/tokens/self/renew", ALL),
      Map.entry("POST /v1/access/tokens/revoke", ADMIN),
      Map.entry("GET /v1/access/policies", READERS),
      Map.entry("GET /v1/access/policies/{name}", READERS),
      Map.entry("PUT /v1/access/policies/{name}", ADMIN),
      Map.entry("DELETE /v1/access/policies/{name}", ADMIN),
      Map.entry("POST /v1/access/revoke", ADMIN),
      Map.entry("GET /v1/access/review", READERS),
      Map.entry("GET /v1/approvals", Set.of("admin", "auditor", "requester", "approver")),
      Map.entry("GET /v1/approvals/{id}", Set.of("admin", "auditor", "requester", "approver")),
      Map.entry("POST /v1/approvals/{id}/approve", Set.of("approver")),
      Map.entry("POST /v1/approvals/{id}/deny", Set.of("approver")),
      Map.entry("GET /v1/trust", READERS),
      Map.entry("GET /v1/trust/{name}", READERS),
      Map.entry("POST /v1/trust/{name}/import", ADMIN),
      Map.entry("GET /v1/trust/{name}/export", ADMIN),
      Map.entry("DELETE /v1/trust/{name}/anchors/{sha256}", ADMIN),
      Map.entry("POST /v1/ca", CO),
      Map.entry("GET /v1/ca", CA_READERS),
      Map.entry("GET /v1/ca/profiles", CA_READERS),
      Map.entry("GET /v1/ca/profiles/{name}", CA_READERS),
      Map.entry("PUT /v1/ca/profiles/{name}", CO),
      Map.entry("DELETE /v1/ca/profiles/{name}", CO),
      Map.entry("GET /v1/ca/{name}", CA_READERS),
      Map.entry("GET /v1/ca/{name}/cps", CA_READERS),
      Map.entry("POST /v1/ca/{name}/activate", CO),
      Map.entry("GET /v1/ca/{name}/chain", ALL),
      Map.entry("GET /v1/ca/{name}/cert", ALL),
      Map.entry("POST /v1/ocsp/{ca}", ALL),
      Map.entry("GET /v1/ocsp/{ca}/<request>", ALL),
      Map.entry("POST /v1/ca/{name}/issue", NONE),
      Map.entry("POST /v1/ca/{name}/issue-batch", NONE),
      Map.entry("GET /v1/certs", CA_READERS),
      Map.entry("GET /v1/certs/{serial}", CA_READERS),
      Map.entry("POST /v1/certs/{serial}/revoke", CO),
      Map.entry("GET /v1/ca/{name}/crl", ALL),
      Map.entry("GET /v1/ca/{name}/crl/delta", ALL),
      Map.entry("POST /v1/ca/{name}/crl", CO),
      Map.entry("POST /v1/compromise", CO),
      Map.entry("GET /v1/compromise/plan", Set.of("crypto-officer", "custodian", "auditor")),
      Map.entry("POST /v1/auth/totp/enroll", ALL),
      Map.entry("POST /v1/auth/totp/confirm", ALL),
      Map.entry("POST /v1/auth/totp/verify", ALL)));

  @TempDir static Path dir;
  private static Node node;

  @BeforeAll
  static void start() {
    CustosConfig cfg = new ConfigLoader().flag("listen", "--listen", "127.0.0.1:0")
        .flag("data_dir", "--data-dir", dir.toString()).load();
    node = Node.start(cfg, StorageUrl.inDataDir(dir), true);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  @DisplayName("every registered route has a capability mapping, and every mapping a route")
  void everyRouteIsMapped() {
    Set<String> registered = new TreeSet<>(node.registeredRoutes());
    List<String> unmapped = registered.stream().filter(r -> RouteCapabilities.of(r).isEmpty()).toList();
    assertThat(unmapped).as("routes without a capability in RouteCapabilities").isEmpty();
    assertThat(RouteCapabilities.all().keySet()).as("mappings for routes the node does not serve")
        .isSubsetOf(registered);
    for (var e : RouteCapabilities.all().entrySet()) {
      e.getValue().capability().ifPresent(c -> assertThat(Capabilities.names()).as(e.getKey()).contains(c));
      assertThat(Capabilities.names()).as(e.getKey()).containsAll(e.getValue().alternatives());
    }
  }

  @Test
  @DisplayName("routes × built-in roles: allow and deny exactly as the table says (second factor fresh)")
  void matrix() {
    Set<String> registered = new TreeSet<>(node.registeredRoutes());
    assertThat(EXPECTED.keySet()).as("the expected table covers exactly the registered routes")
        .isEqualTo(registered);
    Instant now = Instant.parse("2026-06-01T12:00:00Z");
    List<String> wrong = new ArrayList<>();
    for (String route : registered) {
      RouteCapabilities.Access access = RouteCapabilities.of(route).orElseThrow();
      for (String role : BuiltInRoles.names()) {
        boolean allowed = switch (access.kind()) {
          case PUBLIC, AUTHENTICATED -> true;
          case CAPABILITY -> {
            Principal p = new Principal("p-" + role, PrincipalKind.PERSON, "P", "p@example.com", Optional.empty(),
                List.of(role), List.of(), List.of(), false, now);
            PolicyEngine.Subject subject = new PolicyEngine.Subject(p, List.of(BuiltInRoles.policy(role)),
                Optional.of(now.minusSeconds(30)));
            String resource = access.resource().replaceAll("\\{[a-z]+}", "example");
            yield PolicyEngine.evaluate(subject, PolicyEngine.Request.of(access.capability().orElseThrow(), resource, now))
                instanceof Decision.Allow;
          }
        };
        boolean expected = EXPECTED.get(route).contains(role);
        if (allowed != expected) {
          wrong.add(route + " × " + role + ": " + (allowed ? "allowed" : "denied") + ", expected "
              + (expected ? "allowed" : "denied"));
        }
      }
    }
    assertThat(wrong).isEmpty();
  }

  @Test
  @DisplayName("privileged capabilities are denied to a role holder without a fresh second factor")
  void stepUp() {
    Instant now = Instant.parse("2026-06-01T12:00:00Z");
    Principal p = new Principal("adm", PrincipalKind.PERSON, "A", "a@example.com", Optional.empty(), List.of("admin"),
        List.of(), List.of(), false, now);
    PolicyEngine.Subject stale = new PolicyEngine.Subject(p, List.of(BuiltInRoles.policy("admin")),
        Optional.of(now.minusSeconds(3600)));
    assertThat(PolicyEngine.evaluate(stale, PolicyEngine.Request.of("access:revoke", "access/revoke", now)))
        .isInstanceOf(Decision.Deny.class);
    assertThat(PolicyEngine.evaluate(stale, PolicyEngine.Request.of("access:read", "access/principals/x", now)))
        .isInstanceOf(Decision.Allow.class);
  }
}
