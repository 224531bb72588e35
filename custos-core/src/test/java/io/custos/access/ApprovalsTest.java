package io.custos.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.barrier.Barrier;
import io.custos.barrier.BarrierKeyring;
import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import io.custos.failure.ConflictException;
import io.custos.failure.PermissionDeniedException;
import io.custos.store.MemoryRecordStore;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ApprovalsTest {
  private static final CryptoModule MODULE = FipsCryptoModule.start();
  private final MemoryRecordStore records = new MemoryRecordStore();
  private final Barrier barrier = new Barrier(BarrierKeyring.create(MODULE));
  private Instant now = Instant.parse("2026-03-01T09:00:00Z");
  private final Clock clock = io.custos.TestClocks.following(() -> now);
  private final AccessControl access = new AccessControl(records, () -> barrier, MODULE, clock);
  /** Key owners: keys/payments belongs to olivia. */
  private final Approvals approvals = new Approvals(records, () -> barrier, access,
      r -> r.equals("keys/payments") ? Optional.of("olivia") : Optional.empty(),
      Approvals.Settings.defaults(), clock, new SecureRandom());

  private static final String BACKUP = Approvals.digest("POST", "/v1/keys/payments/backup",
      "{\"wrap_with\":\"kek\"}".getBytes(StandardCharsets.UTF_8));

  @AfterEach
  void close() {
    barrier.close();
  }

  private Caller person(String id, String... roles) {
    access.createPrincipal(new Principal(id, PrincipalKind.PERSON, "Person " + id, id + "@example.com",
        Optional.empty(), List.of(roles), List.of(), List.of(), false, now));
    // Approvers hold a step-up capability: their sessions proved a second factor just now.
    return new Caller(id, "token", "10.0.0.1", "req", Optional.of(now));
  }

  private ApprovalRequest backupRequest(Caller requester) {
    return approvals.request(requester, "kms:backup", "keys/payments", "POST /v1/keys/payments/backup", BACKUP);
  }

  @Test
  @DisplayName("two distinct approvers: approved, executes once; a second execution is refused")
  void twoApproversExecuteOnce() {
    Caller carol = person("carol", "crypto-officer");
    Caller ann = person("ann", "approver");
    Caller bob = person("bob", "approver");
    ApprovalRequest r = backupRequest(carol);
    assertThat(r.required()).isEqualTo(2);
    assertThat(r.expiresAt()).isEqualTo(now.plus(Duration.ofHours(24)));
    assertThat(approvals.approve(ann, r.id()).status()).isEqualTo(ApprovalRequest.Status.PENDING);
    assertThatThrownBy(() -> approvals.execute(carol, r.id(), "kms:backup", "keys/payments", BACKUP))
        .isInstanceOf(ConflictException.class).hasMessageContaining("1 of 2 approvals");
    assertThat(approvals.approve(bob, r.id()).status()).isEqualTo(ApprovalRequest.Status.APPROVED);

    ApprovalRequest done = approvals.execute(carol, r.id(), "kms:backup", "keys/payments", BACKUP);
    assertThat(done.status()).isEqualTo(ApprovalRequest.Status.EXECUTED);
    assertThat(done.executedAt()).hasValue(now);
    assertThatThrownBy(() -> approvals.execute(carol, r.id(), "kms:backup", "keys/payments", BACKUP))
        .isInstanceOf(ConflictException.class).hasMessageContaining("one execution");
    // Stored under the barrier: nothing readable in the store.
    assertThat(records.map.values()).noneMatch(x -> new String(x.payload(), StandardCharsets.ISO_8859_1).contains("carol"));
  }

  @Test
  @DisplayName("one approver approving twice counts once: still pending, with a clear message")
  void sameApproverTwice() {
    Caller carol = person("carol", "crypto-officer");
    Caller ann = person("ann", "approver");
    ApprovalRequest r = backupRequest(carol);
    approvals.approve(ann, r.id());
    assertThatThrownBy(() -> approvals.approve(ann, r.id())).isInstanceOf(ConflictException.class)
        .hasMessageContaining("'ann' has already approved").hasMessageContaining("2 distinct approvers (has 1)");
    assertThat(approvals.get(r.id()).status()).isEqualTo(ApprovalRequest.Status.PENDING);
    assertThat(approvals.get(r.id()).approvals()).hasSize(1);
  }

  @Test
  @DisplayName("the requester cannot approve its own request: refused naming the rule and SS-002 11.3.11")
  void requesterNotApprover() {
    Caller carol = person("carol", "crypto-officer", "approver");
    ApprovalRequest r = backupRequest(carol);
    assertThatThrownBy(() -> approvals.approve(carol, r.id())).isInstanceOf(PermissionDeniedException.class)
        .hasMessageStartingWith("SS-002 11.3.11").hasMessageContaining("requester-not-approver");
    assertThat(approvals.get(r.id()).approvals()).isEmpty();
  }

  @Test
  @DisplayName("a key's owner cannot approve its backup or export: refused naming the rule")
  void ownerNotApprover() {
    Caller carol = person("carol", "crypto-officer");
    Caller olivia = person("olivia", "approver");
    ApprovalRequest backup = backupRequest(carol);
    assertThatThrownBy(() -> approvals.approve(olivia, backup.id())).isInstanceOf(PermissionDeniedException.class)
        .hasMessageStartingWith("SS-002 11.3.11").hasMessageContaining("owner-not-approver-of-export");
    ApprovalRequest export = approvals.request(carol, "kms:export", "keys/payments", "POST /v1/keys/kek/wrap", "00");
    assertThatThrownBy(() -> approvals.approve(olivia, export.id())).hasMessageContaining("owner-not-approver-of-export");
    // The rule is about the key leaving or ending: the owner may approve other things.
    ApprovalRequest policy = approvals.request(carol, "access:policy-write", "keys/payments", "PUT /v1/x", "00");
    assertThat(approvals.approve(olivia, policy.id()).approvals()).hasSize(1);
  }

  @Test
  @DisplayName("approving needs approval:decide; denying ends the request; expired requests cannot execute")
  void decideDenyExpire() {
    Caller carol = person("carol", "crypto-officer");
    Caller ann = person("ann", "approver");
    Caller bob = person("bob", "approver");
    Caller eve = person("eve", "auditor");
    ApprovalRequest r = backupRequest(carol);
    assertThatThrownBy(() -> approvals.approve(eve, r.id())).isInstanceOf(PermissionDeniedException.class)
        .hasMessageContaining("approval:decide on approvals/kms/backup");

    approvals.approve(ann, r.id());
    ApprovalRequest denied = approvals.deny(bob, r.id(), "no change ticket");
    assertThat(denied.status()).isEqualTo(ApprovalRequest.Status.DENIED);
    assertThat(denied.denial().orElseThrow().principal()).isEqualTo("bob");
    assertThatThrownBy(() -> approvals.approve(bob, r.id())).hasMessageContaining("denied by 'bob': no change ticket");
    assertThatThrownBy(() -> approvals.execute(carol, r.id(), "kms:backup", "keys/payments", BACKUP))
        .hasMessageContaining("denied");

    ApprovalRequest late = backupRequest(carol);
    approvals.approve(ann, late.id());
    approvals.approve(bob, late.id());
    now = now.plus(Duration.ofHours(24));
    assertThat(approvals.statusOf(approvals.get(late.id()))).isEqualTo(ApprovalRequest.Status.EXPIRED);
    assertThat(approvals.list(Optional.of(ApprovalRequest.Status.EXPIRED))).extracting(ApprovalRequest::id)
        .containsExactly(late.id());
    assertThatThrownBy(() -> approvals.execute(carol, late.id(), "kms:backup", "keys/payments", BACKUP))
        .isInstanceOf(ConflictException.class).hasMessageContaining("expired");
  }

  @Test
  @DisplayName("an approval covers exactly its operation and requester: a different body or caller is not covered")
  void digestMismatch() {
    Caller carol = person("carol", "crypto-officer");
    Caller dave = person("dave", "crypto-officer");
    Caller ann = person("ann", "approver");
    Caller bob = person("bob", "approver");
    ApprovalRequest r = backupRequest(carol);
    approvals.approve(ann, r.id());
    approvals.approve(bob, r.id());
    String other = Approvals.digest("POST", "/v1/keys/payments/backup",
        "{\"wrap_with\":\"attacker-kek\"}".getBytes(StandardCharsets.UTF_8));
    assertThat(other).isNotEqualTo(BACKUP);
    assertThatThrownBy(() -> approvals.execute(carol, r.id(), "kms:backup", "keys/payments", other))
        .isInstanceOf(PermissionDeniedException.class).hasMessageContaining("differs");
    assertThatThrownBy(() -> approvals.execute(dave, r.id(), "kms:backup", "keys/payments", BACKUP))
        .isInstanceOf(PermissionDeniedException.class).hasMessageContaining("only its requester");
    assertThat(approvals.get(r.id()).status()).isEqualTo(ApprovalRequest.Status.APPROVED);
    assertThat(approvals.execute(carol, r.id(), "kms:backup", "keys/payments", BACKUP).status())
        .isEqualTo(ApprovalRequest.Status.EXECUTED);
  }

  @Test
  @DisplayName("settings: unknown capabilities and silly counts are refused; dev default needs nothing")
  void settings() {
    assertThat(Approvals.Settings.defaults().required()).containsEntry("kms:export", 2).containsEntry("trust:import", 2)
        .hasSize(8);
    assertThat(Approvals.Settings.none().required()).isEmpty();
    assertThatThrownBy(() -> new Approvals.Settings(Map.of("kms:nope", 2), Duration.ofHours(1)))
        .hasMessageContaining("unknown capability");
    assertThatThrownBy(() -> new Approvals.Settings(Map.of("kms:backup", 0), Duration.ofHours(1)))
        .hasMessageContaining("from 1 to 16");
    assertThat(Approvals.resourceFor("access:policy-write")).isEqualTo("approvals/access/policy-write");
    assertThat(SeparationOfDuties.RULES).extracting(SeparationOfDuties.Rule::name)
        .containsExactly("requester-not-approver", "owner-not-approver-of-export");
  }

  @Test
  @DisplayName("the approvals guard passes request attributes on, so ca:issue name constraints are decided")
  void guardForwardsAttributes() {
    List<Map<String, List<String>>> seen = new java.util.ArrayList<>();
    AccessGate inner = new AccessGate() {
      @Override
      public Decision check(Caller caller, String capability, String resource) {
        return new Decision.Deny("attributes dropped", Optional.empty());
      }

      @Override
      public Decision check(Caller caller, String capability, String resource, Map<String, List<String>> attributes) {
        seen.add(attributes);
        return new Decision.Allow("names within the grant");
      }
    };
    Caller web = new Caller("web", "token", "", "r");
    assertThat(approvals.guard(inner).check(web, "ca:issue", "ca/issuing/profiles/tls-server",
        Map.of("dns", List.of("shop.example.com")))).isInstanceOf(Decision.Allow.class);
    assertThat(seen).containsExactly(Map.of("dns", List.of("shop.example.com")));
  }
}
