package io.custos.kms;

import static io.custos.kms.Kms.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.crypto.SecretBytes;
import io.custos.failure.ControlViolationException;
import io.custos.failure.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class BackupTest {
  private final Kms here = new Kms();

  BackupTest() {
    here.grants.add("alice kms:restore keys/*");
  }

  @AfterEach
  void close() {
    here.close();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private ManagedKey escrowed(Kms kms, String name, Optional<Instant> retainUntil) {
    return kms.keys.create(ALICE, new KeySpec(name, KeyPurpose.ENCRYPT, "aes-256-gcm", "alice", Optional.empty(),
        Optional.empty(), true, retainUntil, Optional.empty(), false));
  }

  @Test
  @DisplayName("SS-002 11.4.1 — a key that must be escrowed reports a missing backup until it has a current one")
  void escrowStatus() {
    here.create("escrow", KeyPurpose.WRAP, "aes-256-kwp");
    escrowed(here, "payments", Optional.empty());
    assertThat(here.keys.get(ALICE, "payments").escrowStatus()).isEqualTo("missing");
    here.keys.backup(ALICE, "payments", "escrow");
    assertThat(here.keys.get(ALICE, "payments").escrowStatus()).isEqualTo("current");
    here.keys.rotate(ALICE, "payments");
    assertThat(here.keys.inventory(ALICE)).filteredOn(e -> e.name().equals("payments"))
        .singleElement().extracting(InventoryEntry::escrow).isEqualTo("missing");
  }

  @Test
  @DisplayName("SS-002 11.4.2 — a backup is wrapped and integrity-protected, and restores with every version")
  void backupRestoreRoundTrip() {
    here.create("escrow", KeyPurpose.WRAP, "aes-256-kwp");
    escrowed(here, "payments", Optional.empty());
    String v1 = here.keys.encrypt(ALICE, "payments", bytes("one"), null);
    here.keys.rotate(ALICE, "payments");
    String v2 = here.keys.encrypt(ALICE, "payments", bytes("two"), null);
    String backup = here.keys.backup(ALICE, "payments", "escrow");
    assertThat(backup).startsWith("custos-backup-v1:escrow:1:");

    ManagedKey restored = here.keys.restore(ALICE, backup, Optional.of("payments-restored"));
    assertThat(restored.versions()).hasSize(2);
    assertThat(restored.id()).isEqualTo(here.keys.get(ALICE, "payments").id());
    // Ciphertexts name the key, so restored copies decrypt what their own name made: re-encrypt and compare.
    String again = here.keys.encrypt(ALICE, "payments-restored", bytes("three"), null);
    try (SecretBytes p = here.keys.decrypt(ALICE, "payments-restored", again, null, false)) {
      assertThat(p.sameAs(bytes("three"))).isTrue();
    }
    assertThat(v1).isNotEqualTo(v2);

    String tampered = backup.substring(0, backup.length() - 3) + (backup.endsWith("A") ? "BBB" : "AAA");
    assertThatThrownBy(() -> here.keys.restore(ALICE, tampered, Optional.of("x"))).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> here.keys.restore(ALICE, "not a backup", Optional.empty()))
        .hasMessageStartingWith("backup is not of the form custos-backup-v1:");
    assertThatThrownBy(() -> here.keys.restore(ALICE, backup, Optional.empty()))
        .hasMessageContaining("already exists");
  }

  @Test
  @DisplayName("SS-002 11.4.1 — CA keys are never backed up or escrowed")
  void caKeysRefuseBackup() {
    here.create("escrow", KeyPurpose.WRAP, "aes-256-kwp");
    here.keys.create(ALICE, new KeySpec("issuing-1", KeyPurpose.SIGN, "ecdsa-p384", "alice", Optional.empty(),
        Optional.empty(), false, Optional.empty(), Optional.empty(), true));
    assertThatThrownBy(() -> here.keys.backup(ALICE, "issuing-1", "escrow"))
        .isInstanceOf(ControlViolationException.class)
        .hasMessage("SS-002 11.4.1: key 'issuing-1' belongs to a CA; CA keys are never backed up or escrowed");
    assertThatThrownBy(() -> here.keys.wrapKey(ALICE, "escrow", "issuing-1"))
        .hasMessageStartingWith("SS-002 11.4.1");
    assertThatThrownBy(() -> here.keys.create(ALICE, new KeySpec("issuing-2", KeyPurpose.SIGN, "ecdsa-p384", "alice",
        Optional.empty(), Optional.empty(), true, Optional.empty(), Optional.empty(), true)))
        .hasMessage("SS-002 11.4.1: CA keys must never be escrowed");
  }

  @Test
  @DisplayName("SS-002 11.4.3 — when retention ends the key is destroyed and its backups are void")
  void retention() {
    here.create("escrow", KeyPurpose.WRAP, "aes-256-kwp");
    Instant end = here.clock.instant().plus(Duration.ofDays(30));
    escrowed(here, "records", Optional.of(end));
    here.keys.encrypt(ALICE, "records", bytes("x"), null);
    String backup = here.keys.backup(ALICE, "records", "escrow");
    here.clock.advance(Duration.ofDays(29));
    assertThat(here.keys.maintain()).isEmpty();
    here.clock.advance(Duration.ofDays(1));
    assertThat(here.keys.maintain()).singleElement().satisfies(a -> {
      assertThat(a.action()).isEqualTo("kms.key.destroy");
      assertThat(a.details()).containsEntry("control", "SS-002 11.4.3");
    });
    assertThat(here.keys.get(ALICE, "records").state()).isEqualTo(KeyState.DESTROYED);
    assertThat(here.records.list(KeyManager.MATERIAL_TYPE, "records/", 10)).isEmpty();
    assertThatThrownBy(() -> here.keys.restore(ALICE, backup, Optional.of("records-again")))
        .isInstanceOf(ControlViolationException.class).hasMessageStartingWith("SS-002 11.4.3");
  }

  @Test
  @DisplayName("SS-002 11.4.4 — a wrapping key must be at least as strong as the key it wraps")
  void wrapStrength() {
    here.create("escrow", KeyPurpose.WRAP, "aes-256-kwp");
    here.create("p384", KeyPurpose.SIGN, "ecdsa-p384");
    here.create("mldsa87", KeyPurpose.SIGN, "ml-dsa-87");
    assertThat(here.keys.backup(ALICE, "mldsa87", "escrow")).startsWith("custos-backup-v1:");
    assertThat(here.keys.backup(ALICE, "p384", "escrow")).startsWith("custos-backup-v1:");
  }
}
