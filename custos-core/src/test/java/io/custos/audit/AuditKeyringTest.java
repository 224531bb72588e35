package io.custos.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.barrier.Barrier;
import io.custos.barrier.BarrierKeyring;
import io.custos.crypto.FipsCryptoModule;
import io.custos.store.MemoryRecordStore;
import io.custos.store.RecordStore;
import io.custos.store.StoredRecord;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AuditKeyringTest {
  private static final FipsCryptoModule CRYPTO = FipsCryptoModule.start();

  @Test
  @DisplayName("SS-002 11.3.6 — the audit signing and HMAC keys are stored only under the barrier; the public key in the clear")
  void keysUnderTheBarrier() throws Exception {
    RecordStore records = new MemoryRecordStore();
    try (Barrier barrier = new Barrier(BarrierKeyring.create(CRYPTO))) {
      String hash;
      byte[] publicKey;
      try (AuditKeyring keys = AuditKeyring.unlock(records, barrier, "custos-audit-x", CRYPTO.drbg().asSecureRandom())) {
        hash = keys.hash("s.token");
        publicKey = keys.signer().publicKey();
      }
      assertThat(AuditKeyring.publicKey(records)).hasValueSatisfying(k -> assertThat(k).isEqualTo(publicKey));
      StoredRecord signing = records.get("audit.key", "checkpoint-signing").orElseThrow();
      // PKCS#8 Ed25519 keys start 30 2e 02 01 00; the stored bytes are barrier ciphertext instead.
      assertThat(signing.payload()[0]).isEqualTo((byte) 0x01);
      assertThat(signing.payload().length).isGreaterThan(48 + 12 + 16);
      try (AuditKeyring again = AuditKeyring.unlock(records, barrier, "custos-audit-x", CRYPTO.drbg().asSecureRandom())) {
        assertThat(again.signer().publicKey()).isEqualTo(publicKey);
        assertThat(again.hash("s.token")).isEqualTo(hash);
      }
    }
    assertThat(AuditKeyring.publicKey(new MemoryRecordStore())).isEqualTo(Optional.empty());
  }
}
