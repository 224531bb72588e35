package io.custos.barrier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.crypto.CryptoModule;
import io.custos.crypto.FipsCryptoModule;
import io.custos.crypto.SecretBytes;
import io.custos.failure.InvalidInputException;
import io.custos.failure.StorageException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class BarrierKeyringTest {
  private static CryptoModule module;

  @BeforeAll
  static void start() {
    module = FipsCryptoModule.start();
  }

  @Test
  @DisplayName("SS-002 11.3.6 — the keyring round-trips only in encrypted form, versions and counts intact")
  void roundTripUnderRootKey() {
    try (SecretBytes root = module.drbg().newKey(32);
         BarrierKeyring ring = BarrierKeyring.create(module)) {
      Barrier writer = new Barrier(ring);
      byte[] r1 = writer.seal("t", "a", 1, "one".getBytes(StandardCharsets.UTF_8));
      ring.rotate();
      byte[] r2 = writer.seal("t", "b", 1, "two".getBytes(StandardCharsets.UTF_8));
      byte[] stored = ring.encryptUnder(root);
      assertThat(stored[0]).isEqualTo((byte) 0x01);
      assertThat(stored).hasSize(1 + 12 + 4 + 2 * (4 + 8 + 32) + 16);
      ring.newest().key().use(k -> assertThat(indexOf(stored, k)).isEqualTo(-1));

      try (Barrier reader = new Barrier(BarrierKeyring.decrypt(module, root, stored))) {
        assertThat(reader.open("t", "a", 1, r1)).isEqualTo("one".getBytes(StandardCharsets.UTF_8));
        assertThat(reader.open("t", "b", 1, r2)).isEqualTo("two".getBytes(StandardCharsets.UTF_8));
      }
      BarrierKeyring again = BarrierKeyring.decrypt(module, root, stored);
      assertThat(again.versions()).isEqualTo(List.of(1, 2));
      assertThat(again.newestVersion()).isEqualTo(2);
      // Read back, each version resumes from its stored reservation, as if all of it were spent.
      assertThat(again.encryptionsMade(1)).isEqualTo(1 + BarrierKeyring.RESERVATION);
      assertThat(again.encryptionsMade(2)).isEqualTo(1 + BarrierKeyring.RESERVATION);
      again.close();
    }
  }

  @Test
  @DisplayName("NIST SP 800-38D 8.3 — the barrier stores the keyring again before spending past its reservation")
  void reservationIsStoredBeforeUse() {
    try (SecretBytes root = module.drbg().newKey(32);
         BarrierKeyring ring = BarrierKeyring.create(module)) {
      byte[][] store = {ring.encryptUnder(root)};
      int[] writes = {0};
      Barrier barrier = new Barrier(ring, () -> {
        writes[0]++;
        store[0] = ring.encryptUnder(root);
      });
      for (int i = 0; i < 3; i++) {
        barrier.seal("t", "a", 1, new byte[] {1});
      }
      assertThat(writes[0]).isZero();
      // A restart resumes from the reservation; its first encryption stores a new one first.
      try (BarrierKeyring restarted = BarrierKeyring.decrypt(module, root, store[0])) {
        long resumed = restarted.encryptionsMade(1);
        assertThat(resumed).isEqualTo(BarrierKeyring.RESERVATION);
        assertThat(restarted.reservationSpent()).isTrue();
        Barrier b2 = new Barrier(restarted, () -> {
          writes[0]++;
          store[0] = restarted.encryptUnder(root);
        });
        b2.seal("t", "a", 1, new byte[] {1});
        assertThat(writes[0]).isEqualTo(1);
        try (BarrierKeyring again = BarrierKeyring.decrypt(module, root, store[0])) {
          assertThat(again.encryptionsMade(1)).isEqualTo(resumed + BarrierKeyring.RESERVATION);
        }
      }
    }
  }

  @Test
  @DisplayName("SS-002 11.3.8 — the keyring is unreadable under a wrong root key and when altered")
  void wrongRootKeyOrTamperingFails() {
    try (SecretBytes root = module.drbg().newKey(32);
         SecretBytes wrong = module.drbg().newKey(32);
         BarrierKeyring ring = BarrierKeyring.create(module)) {
      byte[] stored = ring.encryptUnder(root);
      assertThatThrownBy(() -> BarrierKeyring.decrypt(module, wrong, stored))
          .isInstanceOf(InvalidInputException.class)
          .hasMessage("barrier keyring does not authenticate under this root key");
      for (int i = 1; i < stored.length; i++) {
        byte[] bad = stored.clone();
        bad[i] ^= 0x01;
        assertThatThrownBy(() -> BarrierKeyring.decrypt(module, root, bad)).isInstanceOf(InvalidInputException.class);
      }
      byte[] otherFormat = stored.clone();
      otherFormat[0] = 0x02;
      assertThatThrownBy(() -> BarrierKeyring.decrypt(module, root, otherFormat)).isInstanceOf(StorageException.class);
      assertThatThrownBy(() -> ring.encryptUnder(SecretBytes.copyOf(new byte[16]))).isInstanceOf(InvalidInputException.class);
    }
  }

  @Test
  @DisplayName("SS-002 11.3.7 — closing the keyring wipes every key version")
  void closeWipesAllVersions() {
    BarrierKeyring ring = BarrierKeyring.create(module);
    ring.rotate();
    KeyVersion v1 = ring.get(1);
    KeyVersion v2 = ring.get(2);
    ring.close();
    assertThat(v1.key().isWiped()).isTrue();
    assertThat(v2.key().isWiped()).isTrue();
    assertThat(ring.toString()).doesNotContain("key=").contains("closed");
  }

  @Test
  @DisplayName("SS-002 11.2.1 — each rotation draws a new, distinct key")
  void rotationDrawsDistinctKeys() {
    try (BarrierKeyring ring = BarrierKeyring.create(module)) {
      ring.rotate();
      byte[] first = ring.get(1).key().use(byte[]::clone);
      assertThat(ring.get(2).key().sameAs(first)).isFalse();
      java.util.Arrays.fill(first, (byte) 0);
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
