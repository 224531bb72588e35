package io.custos.barrier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import io.custos.failure.ControlViolationException;
import io.custos.failure.InvalidInputException;
import io.custos.failure.UnavailableException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class BarrierTest {
  private static final String NO_AUTH = "sealed record does not authenticate under type/id/version";
  private static CryptoModule module;
  private BarrierKeyring keyring;
  private Barrier barrier;

  @BeforeAll
  static void start() {
    module = FipsCryptoModule.start();
  }

  @BeforeEach
  void unseal() {
    keyring = BarrierKeyring.create(module);
    barrier = new Barrier(keyring);
  }

  @AfterEach
  void seal() {
    barrier.close();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  @DisplayName("SS-002 11.3.6 — a record round-trips and its stored form is the documented format")
  void roundTrip() {
    byte[] sealed = barrier.seal("kms-key", "payments", 3, bytes("key material"));
    assertThat(sealed[0]).isEqualTo((byte) 0x01);
    assertThat(Barrier.keyVersionOf(sealed)).isEqualTo(1);
    assertThat(sealed).hasSize(1 + 4 + 12 + "key material".length() + 16);
    assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("key material");
    assertThat(barrier.open("kms-key", "payments", 3, sealed)).isEqualTo(bytes("key material"));
    assertThat(barrier.open("t", "i", 0, barrier.seal("t", "i", 0, new byte[0]))).isEmpty();
  }

  @Test
  @DisplayName("SS-002 11.3.8 — changing any byte of a sealed record fails to decrypt")
  void tamperingAnyByteFails() {
    byte[] sealed = barrier.seal("kms-key", "payments", 1, bytes("secret"));
    for (int i = 0; i < sealed.length; i++) {
      byte[] bad = sealed.clone();
      bad[i] ^= 0x01;
      assertThatThrownBy(() -> barrier.open("kms-key", "payments", 1, bad)).isInstanceOf(InvalidInputException.class);
    }
    assertThatThrownBy(() -> barrier.open("kms-key", "payments", 1, Arrays.copyOf(sealed, sealed.length - 1)))
        .isInstanceOf(InvalidInputException.class);
  }

  @Test
  @DisplayName("SS-002 11.3.8 — a record moved to another id fails to decrypt")
  void movedRecordFails() {
    byte[] sealed = barrier.seal("kms-key", "payments", 1, bytes("secret"));
    assertThatThrownBy(() -> barrier.open("kms-key", "payroll", 1, sealed))
        .isInstanceOf(InvalidInputException.class).hasMessage(NO_AUTH);
    assertThatThrownBy(() -> barrier.open("ca-key", "payments", 1, sealed))
        .isInstanceOf(InvalidInputException.class).hasMessage(NO_AUTH);
  }

  @Test
  @DisplayName("SS-002 11.3.8 — two records swapped in the store fail to decrypt")
  void swappedRecordsFail() {
    byte[] a = barrier.seal("kms-key", "a", 1, bytes("A"));
    byte[] b = barrier.seal("kms-key", "b", 1, bytes("B"));
    assertThatThrownBy(() -> barrier.open("kms-key", "a", 1, b)).isInstanceOf(InvalidInputException.class).hasMessage(NO_AUTH);
    assertThatThrownBy(() -> barrier.open("kms-key", "b", 1, a)).isInstanceOf(InvalidInputException.class).hasMessage(NO_AUTH);
  }

  @Test
  @DisplayName("SS-002 11.3.8 — a record rolled back to an older version fails to decrypt")
  void rolledBackRecordFails() {
    byte[] v1 = barrier.seal("kms-key", "payments", 1, bytes("old"));
    barrier.seal("kms-key", "payments", 2, bytes("new"));
    assertThatThrownBy(() -> barrier.open("kms-key", "payments", 2, v1)).isInstanceOf(InvalidInputException.class).hasMessage(NO_AUTH);
  }

  @Test
  @DisplayName("type and id are length-framed: (\"ab\",\"c\") is not (\"a\",\"bc\")")
  void framingIsUnambiguous() {
    byte[] sealed = barrier.seal("ab", "c", 1, bytes("x"));
    assertThatThrownBy(() -> barrier.open("a", "bc", 1, sealed)).isInstanceOf(InvalidInputException.class).hasMessage(NO_AUTH);
  }

  @Test
  @DisplayName("SS-002 11.2.5 — rotation keeps old records readable and seals new ones under the new version")
  void rotationKeepsOldRecordsReadable() {
    byte[] old = barrier.seal("kms-key", "payments", 1, bytes("old"));
    assertThat(keyring.rotate()).isEqualTo(2);
    byte[] fresh = barrier.seal("kms-key", "other", 1, bytes("new"));
    assertThat(Barrier.keyVersionOf(fresh)).isEqualTo(2);
    assertThat(barrier.open("kms-key", "payments", 1, old)).isEqualTo(bytes("old"));
    assertThat(barrier.open("kms-key", "other", 1, fresh)).isEqualTo(bytes("new"));
  }

  @Test
  @DisplayName("SS-002 11.2.5 — rewrap moves a record to the newest key version, checking it first")
  void rewrapMovesForward() {
    byte[] old = barrier.seal("kms-key", "payments", 4, bytes("secret"));
    keyring.rotate();
    keyring.rotate();
    byte[] rewrapped = barrier.rewrap("kms-key", "payments", 4, old);
    assertThat(Barrier.keyVersionOf(rewrapped)).isEqualTo(3);
    assertThat(barrier.open("kms-key", "payments", 4, rewrapped)).isEqualTo(bytes("secret"));
    assertThat(barrier.rewrap("kms-key", "payments", 4, rewrapped)).isEqualTo(rewrapped);
    assertThatThrownBy(() -> barrier.rewrap("kms-key", "elsewhere", 4, old)).isInstanceOf(InvalidInputException.class);
  }

  @Test
  @DisplayName("a record naming a key version the keyring lacks is refused")
  void unknownKeyVersion() {
    byte[] sealed = barrier.seal("t", "i", 1, bytes("x"));
    sealed[4] = 9;
    assertThatThrownBy(() -> barrier.open("t", "i", 1, sealed)).isInstanceOf(InvalidInputException.class);
  }

  @Test
  @DisplayName("SP 800-38D 8.3 — a barrier key refuses past its usage bound until the keyring is rotated")
  void usageBoundForcesRotation() {
    barrier.close();
    keyring = BarrierKeyring.create(module, 2);
    barrier = new Barrier(keyring);
    byte[] first = barrier.seal("t", "i", 1, bytes("1"));
    barrier.seal("t", "i", 2, bytes("2"));
    assertThatThrownBy(() -> barrier.seal("t", "i", 3, bytes("3"))).isInstanceOf(ControlViolationException.class);
    assertThat(keyring.encryptionsMade(1)).isEqualTo(2);
    keyring.rotate();
    assertThat(Barrier.keyVersionOf(barrier.seal("t", "i", 3, bytes("3")))).isEqualTo(2);
    assertThat(barrier.open("t", "i", 1, first)).isEqualTo(bytes("1"));
  }

  @Test
  @DisplayName("SS-002 11.3.7 — sealing the barrier wipes its keys and refuses every operation")
  void sealedBarrierRefusesEverything() {
    byte[] sealed = barrier.seal("t", "i", 1, bytes("x"));
    KeyVersion key = keyring.newest();
    barrier.close();
    assertThat(barrier.isSealed()).isTrue();
    assertThat(keyring.isClosed()).isTrue();
    assertThat(key.key().isWiped()).isTrue();
    assertThatThrownBy(() -> barrier.seal("t", "i", 2, bytes("y"))).isInstanceOf(UnavailableException.class);
    assertThatThrownBy(() -> barrier.open("t", "i", 1, sealed)).isInstanceOf(UnavailableException.class);
    assertThatThrownBy(() -> barrier.rewrap("t", "i", 1, sealed)).isInstanceOf(UnavailableException.class);
    assertThatThrownBy(keyring::rotate).isInstanceOf(UnavailableException.class);
    assertThat(barrier.toString()).isEqualTo("Barrier[sealed]");
  }
}
