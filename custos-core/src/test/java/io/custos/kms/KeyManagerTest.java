package io.custos.kms;

import static io.custos.kms.Kms.ALICE;
import static io.custos.kms.Kms.ANONYMOUS;
import static io.custos.kms.Kms.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.crypto.SecretBytes;
import io.custos.failure.ConflictException;
import io.custos.failure.ControlViolationException;
import io.custos.failure.InvalidInputException;
import io.custos.failure.NotFoundException;
import io.custos.failure.PermissionDeniedException;
import io.custos.store.StoredRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class KeyManagerTest {
  private final Kms kms = new Kms();
  private final KeyManager keys = kms.keys;

  @AfterEach
  void close() {
    kms.close();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(SecretBytes s) {
    try (s) {
      return s.use(b -> new String(b, StandardCharsets.UTF_8));
    }
  }

  @Test
  @DisplayName("AES-256-GCM round trip; the ciphertext names key and version")
  void encryptDecrypt() {
    kms.create("payments", KeyPurpose.ENCRYPT, "aes-256-gcm");
    String ct = keys.encrypt(ALICE, "payments", bytes("card 4111"), bytes("order-7"));
    assertThat(ct).startsWith("custos:v1:payments:1:").doesNotContain("4111");
    assertThat(text(keys.decrypt(ALICE, "payments", ct, bytes("order-7"), false))).isEqualTo("card 4111");
  }

  @Test
  @DisplayName("SS-002 11.3.3 — a key is used for its one purpose only")
  void wrongPurposeRefused() {
    kms.create("payments", KeyPurpose.ENCRYPT, "aes-256-gcm");
    assertThatThrownBy(() -> keys.sign(ALICE, "payments", bytes("x")))
        .isInstanceOf(ControlViolationException.class)
        .hasMessage("SS-002 11.3.3: key 'payments' is for ENCRYPT, not SIGN");
    assertThatThrownBy(() -> keys.mac(ALICE, "payments", bytes("x")))
        .hasMessage("SS-002 11.3.3: key 'payments' is for ENCRYPT, not MAC");
    assertThatThrownBy(() -> keys.wrapKey(ALICE, "payments", "payments"))
        .hasMessage("SS-002 11.3.3: key 'payments' is for ENCRYPT, not WRAP");
    assertThatThrownBy(() -> kms.create("signer", KeyPurpose.SIGN, "aes-256-gcm"))
        .isInstanceOf(ControlViolationException.class).hasMessageStartingWith("SS-002 11.3.3: algorithm 'aes-256-gcm' cannot be used for SIGN");
  }

  @Test
  @DisplayName("SS-002 11.3.9 — only approved algorithms")
  void unapprovedAlgorithmsRefused() {
    assertThatThrownBy(() -> kms.create("old", KeyPurpose.SIGN, "rsa-2048"))
        .isInstanceOf(ControlViolationException.class).hasMessageStartingWith("SS-002 11.3.9: algorithm 'rsa-2048' is not approved");
    assertThatThrownBy(() -> kms.create("odd", KeyPurpose.SIGN, "rot13"))
        .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("unknown algorithm 'rot13'");
    try (Kms narrow = new Kms(AlgorithmPolicy.only(List.of("ecdsa-p384", "aes-256-gcm")))) {
      assertThatThrownBy(() -> narrow.create("k", KeyPurpose.SIGN, "ed25519"))
          .hasMessageStartingWith("SS-002 11.3.9: algorithm 'ed25519' is not on this installation's approved list");
    }
    assertThat(kms.records.map).isEmpty();
  }

  @Test
  @DisplayName("SS-002 11.2.5 — no encryption after the originator-usage period; decryption until the recipient-usage period ends")
  void cryptoperiods() {
    keys.create(ALICE, new KeySpec("k", KeyPurpose.ENCRYPT, "aes-256-gcm", "alice",
        Optional.of(new Cryptoperiod(Duration.ofDays(30), Duration.ofDays(90))), Optional.empty(), false,
        Optional.empty(), Optional.empty(), false));
    String ct = keys.encrypt(ALICE, "k", bytes("old data"), new byte[0]);
    kms.clock.advance(Duration.ofDays(30));
    assertThatThrownBy(() -> keys.encrypt(ALICE, "k", bytes("new"), new byte[0]))
        .isInstanceOf(ControlViolationException.class)
        .hasMessageStartingWith("SS-002 11.2.5: key 'k' version 1 passed the end of its originator-usage period");
    assertThat(text(keys.decrypt(ALICE, "k", ct, new byte[0], false))).isEqualTo("old data");
    kms.clock.advance(Duration.ofDays(60));
    assertThatThrownBy(() -> keys.decrypt(ALICE, "k", ct, new byte[0], false))
        .hasMessageStartingWith("SS-002 11.2.5: key 'k' version 1 passed the end of its recipient-usage period");
  }

  @Test
  @DisplayName("SS-002 11.2.5 — periods longer than NIST SP 800-57 recommends are refused")
  void overlongPeriodsRefused() {
    assertThatThrownBy(() -> keys.create(ALICE, new KeySpec("k", KeyPurpose.ENCRYPT, "aes-256-gcm", "alice",
        Optional.of(new Cryptoperiod(Cryptoperiod.YEAR.multipliedBy(5), Cryptoperiod.YEAR.multipliedBy(6))),
        Optional.empty(), false, Optional.empty(), Optional.empty(), false)))
        .hasMessageStartingWith("SS-002 11.2.5: an originator-usage period of 1825d is longer than the 730d");
  }

  @Test
  @DisplayName("rotation: new data under the new version, old ciphertexts still decrypt, rewrap moves them forward")
  void rotateAndRewrap() {
    kms.create("k", KeyPurpose.ENCRYPT, "aes-256-gcm");
    String v1 = keys.encrypt(ALICE, "k", bytes("one"), bytes("ctx"));
    assertThat(keys.rotate(ALICE, "k").newest().number()).isEqualTo(2);
    String v2 = keys.encrypt(ALICE, "k", bytes("two"), bytes("ctx"));
    assertThat(v2).startsWith("custos:v1:k:2:");
    String moved = keys.rewrap(ALICE, "k", v1, bytes("ctx"));
    assertThat(moved).startsWith("custos:v1:k:2:");
    assertThat(text(keys.decrypt(ALICE, "k", moved, bytes("ctx"), false))).isEqualTo("one");
    assertThat(text(keys.decrypt(ALICE, "k", v1, bytes("ctx"), false))).isEqualTo("one");
  }

  @Test
  @DisplayName("SP 800-57 states: pre-activation, suspended, deactivated and compromised keys apply no protection")
  void states() {
    Instant later = kms.clock.instant().plus(Duration.ofDays(1));
    keys.create(ALICE, new KeySpec("k", KeyPurpose.ENCRYPT, "aes-256-gcm", "alice", Optional.empty(), Optional.empty(),
        false, Optional.empty(), Optional.of(later), false));
    assertThat(keys.get(ALICE, "k").state()).isEqualTo(KeyState.PRE_ACTIVATION);
    assertThatThrownBy(() -> keys.encrypt(ALICE, "k", bytes("x"), null)).hasMessageContaining("is pre-activation");
    kms.clock.advance(Duration.ofDays(1));
    assertThat(keys.maintain()).extracting(KeyManager.MaintenanceAction::action).containsExactly("kms.key.activate");
    String ct = keys.encrypt(ALICE, "k", bytes("x"), null);

    keys.transition(ALICE, "k", KeyState.SUSPENDED, "investigating");
    assertThatThrownBy(() -> keys.encrypt(ALICE, "k", bytes("x"), null)).hasMessageContaining("is suspended");
    assertThat(text(keys.decrypt(ALICE, "k", ct, null, false))).isEqualTo("x");
    keys.transition(ALICE, "k", KeyState.ACTIVE, "cleared");
    keys.transition(ALICE, "k", KeyState.COMPROMISED, "leaked");
    assertThatThrownBy(() -> keys.decrypt(ALICE, "k", ct, null, false))
        .hasMessageContaining("needs the explicit allow-compromised flag");
    assertThat(text(keys.decrypt(ALICE, "k", ct, null, true))).isEqualTo("x");
    assertThatThrownBy(() -> keys.transition(ALICE, "k", KeyState.ACTIVE, "oops"))
        .isInstanceOf(ConflictException.class)
        .hasMessage("key 'k' is compromised; NIST SP 800-57 allows only destroyed-compromised from there");
  }

  @Test
  @DisplayName("SS-002 11.3.7 — destroying a key overwrites its material and deletes it from the store")
  void destroy() {
    kms.create("k", KeyPurpose.ENCRYPT, "aes-256-gcm");
    String ct = keys.encrypt(ALICE, "k", bytes("x"), null);
    List<VersionMaterial> held = keys.loadedMaterial();
    keys.transition(ALICE, "k", KeyState.DEACTIVATED, "retired");
    keys.transition(ALICE, "k", KeyState.DESTROYED, "retired");
    assertThat(held).allMatch(VersionMaterial::wiped);
    assertThat(kms.records.list(KeyManager.MATERIAL_TYPE, "", 100)).isEmpty();
    assertThatThrownBy(() -> keys.decrypt(ALICE, "k", ct, null, false)).hasMessageContaining("is destroyed");
    assertThat(keys.inventory(ALICE)).singleElement().satisfies(e -> {
      assertThat(e.state()).isEqualTo("destroyed");
      assertThat(e.location()).isEqualTo("destroyed");
    });
  }

  @Test
  @DisplayName("SS-002 11.3.7 — sealing wipes every key held in memory; unsealed again, keys load from the barrier")
  void wipeOnSeal() {
    kms.create("k", KeyPurpose.ENCRYPT, "aes-256-gcm");
    kms.create("m", KeyPurpose.MAC, "hmac-sha256");
    String ct = keys.encrypt(ALICE, "k", bytes("x"), null);
    keys.mac(ALICE, "m", bytes("x"));
    List<VersionMaterial> held = keys.loadedMaterial();
    assertThat(held).hasSize(2).noneMatch(VersionMaterial::wiped);
    keys.wipe();
    assertThat(held).allMatch(VersionMaterial::wiped);
    assertThat(keys.versionsInMemory()).isZero();
    assertThat(text(keys.decrypt(ALICE, "k", ct, null, false))).isEqualTo("x");
  }

  @Test
  @DisplayName("SS-002 11.3.10 / 11.3.12 — only the owner or an explicit grant may use a key; anonymous requests never")
  void ownership() {
    kms.create("k", KeyPurpose.ENCRYPT, "aes-256-gcm");
    assertThatThrownBy(() -> keys.encrypt(BOB, "k", bytes("x"), null))
        .isInstanceOf(PermissionDeniedException.class)
        .hasMessage("SS-002 11.3.10: key 'k' belongs to 'alice' and keys are not shared; 'bob' has no grant of kms:encrypt on it");
    assertThatThrownBy(() -> keys.encrypt(ANONYMOUS, "k", bytes("x"), null))
        .hasMessage("SS-002 11.3.12: key requests must be authenticated");
    assertThatThrownBy(() -> keys.encrypt(BOB, "nothing-here", bytes("x"), null))
        .isInstanceOf(PermissionDeniedException.class);
    assertThatThrownBy(() -> keys.encrypt(ALICE, "nothing-here", bytes("x"), null))
        .isInstanceOf(PermissionDeniedException.class);
    kms.grants.add("bob kms:encrypt keys/k");
    assertThat(keys.encrypt(BOB, "k", bytes("x"), null)).startsWith("custos:v1:k:1:");
    assertThatThrownBy(() -> keys.decrypt(BOB, "k", "custos:v1:k:1:AAAA", null, false))
        .isInstanceOf(PermissionDeniedException.class);
  }

  @Test
  @DisplayName("SS-002 11.3.12 — checks run in order: authenticated, authorised, state, purpose, period")
  void admissionOrder() {
    kms.create("k", KeyPurpose.ENCRYPT, "aes-256-gcm");
    keys.transition(ALICE, "k", KeyState.SUSPENDED, "hold");
    kms.clock.advance(Duration.ofDays(3650));
    assertThatThrownBy(() -> keys.sign(ANONYMOUS, "k", bytes("x"))).hasMessageContaining("authenticated");
    assertThatThrownBy(() -> keys.sign(BOB, "k", bytes("x"))).hasMessageContaining("11.3.10");
    assertThatThrownBy(() -> keys.sign(ALICE, "k", bytes("x"))).hasMessageContaining("is suspended");
    keys.transition(ALICE, "k", KeyState.ACTIVE, "ok");
    assertThatThrownBy(() -> keys.sign(ALICE, "k", bytes("x"))).hasMessageContaining("11.3.3");
    assertThatThrownBy(() -> keys.encrypt(ALICE, "k", bytes("x"), null)).hasMessageContaining("11.2.5");
  }

  @Test
  @DisplayName("bad input: each a clear error, and nothing stored changes")
  void badInput() {
    kms.create("k", KeyPurpose.ENCRYPT, "aes-256-gcm");
    String ct = keys.encrypt(ALICE, "k", bytes("secret"), bytes("a"));
    Map<String, StoredRecord> before = new HashMap<>(kms.records.map);
    assertThatThrownBy(() -> keys.decrypt(ALICE, "k", "custos:v1:k:1:%%%", null, false))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("not of the form");
    assertThatThrownBy(() -> keys.decrypt(ALICE, "k", "custos:v1:k:1:AAAA", null, false))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("too short");
    assertThatThrownBy(() -> keys.decrypt(ALICE, "k", ct, bytes("b"), false))
        .isInstanceOf(InvalidInputException.class).hasMessage("ciphertext does not authenticate");
    byte[] body = Base64.getUrlDecoder().decode(ct.substring(ct.lastIndexOf(':') + 1));
    body[body.length - 20] ^= 1;
    String tampered = "custos:v1:k:1:" + Base64.getUrlEncoder().withoutPadding().encodeToString(body);
    assertThatThrownBy(() -> keys.decrypt(ALICE, "k", tampered, bytes("a"), false)).hasMessage("ciphertext does not authenticate");
    String truncated = ct.substring(0, ct.length() - 6);
    assertThatThrownBy(() -> keys.decrypt(ALICE, "k", truncated, bytes("a"), false)).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> keys.decrypt(ALICE, "k", ct.replace(":k:1:", ":k:9:"), bytes("a"), false))
        .isInstanceOf(NotFoundException.class).hasMessage("key 'k' has no version 9");
    assertThatThrownBy(() -> keys.decrypt(ALICE, "k", ct.replace(":k:1:", ":other:1:"), bytes("a"), false))
        .hasMessage("ciphertext was made by key 'other', not 'k'");
    assertThatThrownBy(() -> keys.encrypt(ALICE, "k", new byte[KeyManager.MAX_PAYLOAD + 1], null))
        .hasMessageStartingWith("plaintext is 1048577 bytes; the limit is 1048576");
    assertThatThrownBy(() -> keys.encrypt(ALICE, "K!", bytes("x"), null)).hasMessageStartingWith("key name must match");
    assertThatThrownBy(() -> kms.create("k", KeyPurpose.ENCRYPT, "aes-256-gcm")).isInstanceOf(ConflictException.class);
    assertThat(kms.records.map).isEqualTo(before);
  }

  @Test
  @DisplayName("SS-002 11.3.8 — swapped or rolled-back key records fail to open")
  void barrierTamper() {
    kms.create("a", KeyPurpose.ENCRYPT, "aes-256-gcm");
    kms.create("b", KeyPurpose.ENCRYPT, "aes-256-gcm");
    String ct = keys.encrypt(ALICE, "a", bytes("x"), null);
    StoredRecord a = kms.records.get(KeyManager.MATERIAL_TYPE, "a/1").orElseThrow();
    StoredRecord b = kms.records.get(KeyManager.MATERIAL_TYPE, "b/1").orElseThrow();
    kms.records.map.put(KeyManager.MATERIAL_TYPE + "/a/1", new StoredRecord(KeyManager.MATERIAL_TYPE, "a/1", a.version(), b.payload(), Instant.now()));
    keys.wipe();
    assertThatThrownBy(() -> keys.decrypt(ALICE, "a", ct, null, false))
        .hasMessage("sealed record does not authenticate under type/id/version");

    StoredRecord meta = kms.records.get(KeyManager.KEY_TYPE, "b").orElseThrow();
    keys.rotate(ALICE, "b");
    StoredRecord now = kms.records.get(KeyManager.KEY_TYPE, "b").orElseThrow();
    kms.records.map.put(KeyManager.KEY_TYPE + "/b", new StoredRecord(KeyManager.KEY_TYPE, "b", now.version(), meta.payload(), Instant.now()));
    keys.wipe();
    assertThatThrownBy(() -> keys.get(ALICE, "b")).hasMessage("sealed record does not authenticate under type/id/version");
  }

  @Test
  @DisplayName("NIST SP 800-38D 8.3 — AES-GCM encryption counts are reserved in the store before use and survive a restart")
  void nonceReservation() {
    kms.create("k", KeyPurpose.ENCRYPT, "aes-256-gcm");
    keys.encrypt(ALICE, "k", bytes("x"), null);
    assertThat(keys.get(ALICE, "k").newest().encryptionsReserved()).isEqualTo(KeyManager.NONCE_RESERVATION);
    KeyManager restarted = kms.newManager(AlgorithmPolicy.defaults());
    restarted.encrypt(ALICE, "k", bytes("x"), null);
    assertThat(restarted.get(ALICE, "k").newest().encryptionsReserved()).isEqualTo(2 * KeyManager.NONCE_RESERVATION);
    restarted.close();
  }

  @Test
  @DisplayName("envelope encryption: a data key decrypts back from its ciphertext")
  void dataKeys() {
    kms.create("k", KeyPurpose.ENCRYPT, "aes-256-gcm");
    try (KeyManager.DataKey dk = keys.dataKey(ALICE, "k", bytes("ctx"), true)) {
      byte[] plain = dk.plaintext().orElseThrow().use(byte[]::clone);
      assertThat(plain).hasSize(32);
      try (SecretBytes again = keys.decrypt(ALICE, "k", dk.ciphertext(), bytes("ctx"), false)) {
        assertThat(again.sameAs(plain)).isTrue();
      }
    }
    assertThat(keys.dataKey(ALICE, "k", null, false).plaintext()).isEmpty();
  }

  @Test
  @DisplayName("automatic rotation when rotate-every has passed")
  void autoRotate() {
    keys.create(ALICE, new KeySpec("k", KeyPurpose.ENCRYPT, "aes-256-gcm", "alice", Optional.empty(),
        Optional.of(Duration.ofDays(90)), false, Optional.empty(), Optional.empty(), false));
    assertThat(keys.maintain()).isEmpty();
    kms.clock.advance(Duration.ofDays(90));
    assertThat(keys.maintain()).extracting(KeyManager.MaintenanceAction::action).containsExactly("kms.key.rotate");
    assertThat(keys.get(ALICE, "k").newest().number()).isEqualTo(2);
    assertThat(keys.maintain()).isEmpty();
  }
}
