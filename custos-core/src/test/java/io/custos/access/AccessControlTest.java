package io.custos.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.barrier.Barrier;
import io.custos.barrier.BarrierKeyring;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import io.custos.failure.ConflictException;
import io.custos.failure.InvalidInputException;
import io.custos.store.MemoryRecordStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AccessControlTest {
  private static final CryptoModule MODULE = FipsCryptoModule.start();
  private final MemoryRecordStore records = new MemoryRecordStore();
  private final Barrier barrier = new Barrier(BarrierKeyring.create(MODULE));
  private Instant now = Instant.parse("2026-03-01T09:00:00Z");
  private final Clock clock = io.custos.TestClocks.following(() -> now);
  private final AccessControl access = new AccessControl(records, () -> barrier, MODULE, clock);

  @AfterEach
  void close() {
    barrier.close();
  }

  private Principal person(String id, String... roles) {
    return access.createPrincipal(new Principal(id, PrincipalKind.PERSON, "Person " + id, id + "@example.com",
        Optional.of("+44 20 7946 0000"), List.of(roles), List.of(), List.of(), false, now));
  }

  private Caller caller(String token) {
    return access.authenticateToken(token, "10.0.0.1", "req").orElseThrow();
  }

  @Test
  @DisplayName("tokens: shown once, stored only as a keyed hash, expire, renew up to max TTL, revoked at once")
  void tokenLifecycle() {
    person("alice", "auditor");
    Tokens.Issued t = access.createToken("alice", Duration.ofHours(1), Duration.ofHours(3), "root");
    assertThat(t.token()).startsWith("cus.").hasSize(47);
    assertThat(records.map.keySet()).noneMatch(k -> k.contains(t.token()));
    assertThat(records.map.values()).noneMatch(r -> new String(r.payload(), StandardCharsets.ISO_8859_1).contains("alice"));
    assertThat(caller(t.token()).principalId()).isEqualTo("alice");

    now = now.plus(Duration.ofMinutes(50));
    access.renewToken(t.token(), Duration.ofHours(5));
    assertThat(access.lookupToken(t.token()).orElseThrow().expiresAt()).isEqualTo(Instant.parse("2026-03-01T12:00:00Z"));
    now = Instant.parse("2026-03-01T12:00:00Z");
    assertThat(access.authenticateToken(t.token(), "", "r")).isEmpty();

    Tokens.Issued t2 = access.createToken("alice", Duration.ofHours(1), Duration.ofHours(1), "root");
    assertThat(access.revokeToken(t2.info().accessor())).isTrue();
    assertThat(access.authenticateToken(t2.token(), "", "r")).isEmpty();
    assertThat(access.authenticateToken("cus.forged", "", "r")).isEmpty();
    assertThat(access.authenticateToken("cus." + "A".repeat(43), "", "r")).isEmpty();
  }

  @Test
  @DisplayName("SS-002 11.6.1 — revoking a principal stops its tokens and certificates on the very next request")
  void revokePrincipal() throws Exception {
    person("bob", "operator");
    byte[] spki = "spki-of-bob".getBytes(StandardCharsets.UTF_8);
    String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(spki));
    access.updatePrincipal("bob", p -> p.withClientCertificates(List.of(hash)));
    Tokens.Issued t = access.createToken("bob", Duration.ofHours(1), Duration.ofHours(1), "root");
    Caller viaToken = caller(t.token());
    assertThat(access.authenticateCertificate(spki, "", "r")).map(Caller::principalId).contains("bob");
    assertThat(access.check(viaToken, "sys:read", "sys/health")).isInstanceOf(Decision.Allow.class);

    assertThat(access.revokePrincipal("bob")).isEqualTo(1);
    assertThat(access.authenticateToken(t.token(), "", "r")).isEmpty();
    assertThat(access.authenticateCertificate(spki, "", "r")).isEmpty();
    assertThat(access.check(viaToken, "sys:read", "sys/health")).isInstanceOf(Decision.Deny.class);
    assertThatThrownBy(() -> access.createToken("bob", Duration.ofHours(1), Duration.ofHours(1), "root"))
        .isInstanceOf(ConflictException.class);
  }

  @Test
  @DisplayName("the root token authenticates the bootstrap principal and can be revoked")
  void rootToken() {
    records.put(AccessControl.ROOT_TOKEN_TYPE, AccessControl.sha256Hex("cus.root-token-text"),
        barrier.seal(AccessControl.ROOT_TOKEN_TYPE, AccessControl.sha256Hex("cus.root-token-text"), 1, new byte[] {1}), 0);
    Caller root = caller("cus.root-token-text");
    assertThat(access.check(root, "operator:seal", "sys/seal")).isInstanceOf(Decision.Allow.class);
    assertThat(access.revokeToken("cus.root-token-text")).isTrue();
    assertThat(access.authenticateToken("cus.root-token-text", "", "r")).isEmpty();
  }

  @Test
  @DisplayName("policies are versioned, validated and attached; a key's grants can be revoked")
  void policies() {
    Policy p = access.writePolicy(new Policy("payments", 0, "payments app", List.of(Grant.of("kms:encrypt", "keys/payments"),
        Grant.of("kms:decrypt", "keys/payments-*")), Set.of(), Policy.DEFAULT_STEP_UP));
    assertThat(p.version()).isEqualTo(1);
    assertThat(access.writePolicy(p).version()).isEqualTo(2);
    access.createPrincipal(new Principal("app", PrincipalKind.MACHINE, "Payments", "ops@example.com", Optional.empty(),
        List.of(), List.of("payments"), List.of(), false, now));
    Caller app = caller(access.createToken("app", Duration.ofHours(1), Duration.ofHours(1), "root").token());
    assertThat(access.check(app, "kms:encrypt", "keys/payments")).isEqualTo(new Decision.Allow("payments v2 grant 1: kms:encrypt on keys/payments"));
    assertThat(access.revokeKeyGrants("payments")).containsExactly("payments");
    assertThat(access.check(app, "kms:encrypt", "keys/payments")).isInstanceOf(Decision.Deny.class);
    assertThatThrownBy(() -> access.deletePolicy("payments")).isInstanceOf(ConflictException.class);
    assertThatThrownBy(() -> access.writePolicy(new Policy("role:admin", 0, "", List.of(), Set.of(), Policy.DEFAULT_STEP_UP)))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> person("x", "wizard")).hasMessageStartingWith("unknown role 'wizard'");
  }

  @Test
  @DisplayName("SS-002 11.3.11 — a token's session proves a second factor, and only then are privileged capabilities allowed")
  void secondFactorOnToken() {
    person("carol", "custodian");
    Tokens.Issued t = access.createToken("carol", Duration.ofHours(1), Duration.ofHours(1), "root");
    assertThat(access.check(caller(t.token()), "operator:seal", "sys/seal")).isInstanceOf(Decision.Deny.class);
    access.recordSecondFactor(t.token());
    assertThat(access.check(caller(t.token()), "operator:seal", "sys/seal")).isInstanceOf(Decision.Allow.class);
    now = now.plus(Duration.ofMinutes(6));
    assertThat(access.check(caller(t.token()), "operator:seal", "sys/seal")).isInstanceOf(Decision.Deny.class);
  }
}
