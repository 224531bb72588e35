package io.custos.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.failure.InvalidInputException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class PolicyEngineTest {
  private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");

  private static Principal person(String id, List<String> roles) {
    return new Principal(id, PrincipalKind.PERSON, id, id + "@example.com", Optional.empty(), roles, List.of(), List.of(),
        false, NOW);
  }

  private static Decision decide(Principal p, List<Policy> policies, String capability, String resource) {
    return PolicyEngine.evaluate(new PolicyEngine.Subject(p, policies, Optional.empty()),
        PolicyEngine.Request.of(capability, resource, NOW));
  }

  @Test
  @DisplayName("SS-002 11.3.5 — implicit deny: nothing is allowed that no grant covers")
  void implicitDeny() {
    Policy p = new Policy("payments", 1, "", List.of(Grant.of("kms:encrypt", "keys/payments-*")), Set.of(),
        Policy.DEFAULT_STEP_UP);
    Principal app = person("app", List.of());
    assertThat(decide(app, List.of(p), "kms:encrypt", "keys/payments-eu")).isInstanceOf(Decision.Allow.class);
    assertThat(decide(app, List.of(p), "kms:decrypt", "keys/payments-eu")).isInstanceOf(Decision.Deny.class);
    assertThat(decide(app, List.of(p), "kms:encrypt", "keys/payroll")).isInstanceOf(Decision.Deny.class);
    assertThat(decide(app, List.of(p), "kms:encrypt", "keys/payments-eu/x")).isInstanceOf(Decision.Deny.class);
    assertThat(decide(app, List.of(), "kms:encrypt", "keys/payments-eu"))
        .isEqualTo(new Decision.Deny("'app' has no grant of kms:encrypt on keys/payments-eu (implicit deny)", Optional.empty()));
    assertThat(decide(app.withDisabled(true), List.of(p), "kms:encrypt", "keys/payments-eu"))
        .isInstanceOf(Decision.Deny.class);
  }

  @Test
  @DisplayName("the decision names the grant that allowed it")
  void allowNamesGrant() {
    Policy p = new Policy("ops", 3, "", List.of(Grant.of("sys:read", "**"), Grant.of("kms:*", "keys/**")), Set.of(),
        Policy.DEFAULT_STEP_UP);
    assertThat(decide(person("o", List.of()), List.of(p), "kms:rotate", "keys/a"))
        .isEqualTo(new Decision.Allow("ops v3 grant 2: kms:* on keys/**"));
  }

  @Test
  @DisplayName("ca:issue constraints: requested names must fall within the grant's DNS and IP patterns")
  void constraints() {
    Policy p = new Policy("web", 1, "", List.of(new Grant("ca:issue", "ca/issuing-1/profiles/tls-server",
        Map.of("dns", List.of("*.shop.example.com", "shop.example.com"), "ip", List.of("10.1.0.0/16")))), Set.of(),
        Policy.DEFAULT_STEP_UP);
    PolicyEngine.Subject s = new PolicyEngine.Subject(person("web", List.of()), List.of(p), Optional.empty());
    assertThat(PolicyEngine.evaluate(s, new PolicyEngine.Request("ca:issue", "ca/issuing-1/profiles/tls-server",
        Map.of("dns", List.of("www.shop.example.com", "shop.example.com"), "ip", List.of("10.1.2.3")), NOW)))
        .isInstanceOf(Decision.Allow.class);
    assertThat(PolicyEngine.evaluate(s, new PolicyEngine.Request("ca:issue", "ca/issuing-1/profiles/tls-server",
        Map.of("dns", List.of("evil.example.com")), NOW)))
        .isEqualTo(new Decision.Deny("web grant 1: dns 'evil.example.com' is outside [*.shop.example.com, shop.example.com]",
            Optional.empty()));
    assertThat(PolicyEngine.evaluate(s, new PolicyEngine.Request("ca:issue", "ca/issuing-1/profiles/tls-server",
        Map.of("ip", List.of("10.2.0.1")), NOW))).isInstanceOf(Decision.Deny.class);
    assertThat(PolicyEngine.dnsMatches("*.example.com", "example.com")).isFalse();
    assertThat(PolicyEngine.ipMatches("2001:db8::/32", "2001:db8::1")).isTrue();
    assertThat(PolicyEngine.ipMatches("10.0.0.0/8", "localhost")).isFalse();
  }

  @Test
  @DisplayName("SS-002 11.3.11 — privileged capabilities need a fresh second factor")
  void stepUp() {
    Principal c = person("carol", List.of("custodian"));
    List<Policy> roles = List.of(BuiltInRoles.policy("custodian"));
    PolicyEngine.Request seal = PolicyEngine.Request.of("operator:seal", "sys/seal", NOW);
    Decision without = PolicyEngine.evaluate(new PolicyEngine.Subject(c, roles, Optional.empty()), seal);
    assertThat(without).isInstanceOfSatisfying(Decision.Deny.class,
        d -> assertThat(d.control()).contains("SS-002 11.3.11"));
    assertThat(PolicyEngine.evaluate(new PolicyEngine.Subject(c, roles, Optional.of(NOW.minus(Duration.ofMinutes(4)))), seal))
        .isInstanceOf(Decision.Allow.class);
    assertThat(PolicyEngine.evaluate(new PolicyEngine.Subject(c, roles, Optional.of(NOW.minus(Duration.ofMinutes(6)))), seal))
        .isInstanceOf(Decision.Deny.class);
    assertThat(PolicyEngine.evaluate(new PolicyEngine.Subject(c, roles, Optional.empty()),
        PolicyEngine.Request.of("sys:read", "sys/seal", NOW))).isInstanceOf(Decision.Allow.class);
  }

  @Test
  @DisplayName("malformed policies are refused at load with the grant and the reason")
  void badPolicies() {
    assertThatThrownBy(() -> new Policy("p", 1, "", List.of(Grant.of("sys:read", "**"), Grant.of("kms:explode", "keys/*")),
        Set.of(), Policy.DEFAULT_STEP_UP).validate())
        .isInstanceOf(InvalidInputException.class).hasMessage("grant 2: unknown capability 'kms:explode'");
    assertThatThrownBy(() -> new Policy("p", 1, "", List.of(Grant.of("kms:read", "keys/../x")), Set.of(),
        Policy.DEFAULT_STEP_UP).validate()).hasMessageStartingWith("grant 1: bad resource pattern 'keys/../x'");
    assertThatThrownBy(() -> new Policy("p", 1, "", List.of(new Grant("ca:issue", "ca/**", Map.of("colour", List.of("red")))),
        Set.of(), Policy.DEFAULT_STEP_UP).validate()).hasMessageStartingWith("grant 1: unknown constraint 'colour'");
  }

  @Test
  @DisplayName("resource patterns: * within a segment, ** across")
  void patterns() {
    assertThat(ResourcePattern.matches("keys/*", "keys/a")).isTrue();
    assertThat(ResourcePattern.matches("keys/*", "keys/a/b")).isFalse();
    assertThat(ResourcePattern.matches("keys/**", "keys/a/b")).isTrue();
    assertThat(ResourcePattern.matches("ca/*/profiles/tls-*", "ca/issuing-1/profiles/tls-server")).isTrue();
    assertThat(ResourcePattern.matches("**", "anything/at/all")).isTrue();
  }

  @Test
  @DisplayName("every built-in role is a valid, least-privileged policy: no role grants everything")
  void builtInRoles() {
    assertThat(BuiltInRoles.names()).containsExactlyInAnyOrder("admin", "custodian", "crypto-officer", "operator",
        "auditor", "requester", "approver");
    for (Policy p : BuiltInRoles.all().values()) {
      p.validate();
      assertThat(p.grants()).noneMatch(g -> g.capability().equals("*"));
    }
    Principal auditor = person("a", List.of("auditor"));
    assertThat(decide(auditor, List.of(BuiltInRoles.policy("auditor")), "audit:read", "audit")).isInstanceOf(Decision.Allow.class);
    assertThat(decide(auditor, List.of(BuiltInRoles.policy("auditor")), "kms:decrypt", "keys/x")).isInstanceOf(Decision.Deny.class);
    assertThat(decide(auditor, List.of(BuiltInRoles.policy("admin")), "kms:decrypt", "keys/x")).isInstanceOf(Decision.Deny.class);
  }
}
