package io.custos.seal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.crypto.FipsCryptoModule;
import io.custos.failure.ConflictException;
import io.custos.failure.InvalidInputException;
import io.custos.failure.UnavailableException;
import io.custos.store.MemoryRecordStore;
import io.custos.system.SystemState;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SealTest {
  private static final FipsCryptoModule CRYPTO = FipsCryptoModule.start();

  @Test
  @DisplayName("SS-002 11.3.6 — init creates the root of trust once and leaves the node sealed")
  void initOnce() {
    MemoryRecordStore records = new MemoryRecordStore();
    Seal seal = new Seal(records, CRYPTO);
    assertThat(seal.state()).isEqualTo(SystemState.UNINITIALISED);
    Seal.InitResult r = seal.init(5, 3, false, Optional.empty());
    assertThat(r.shares()).hasSize(5).allMatch(s -> s.startsWith("custos-share-v1:"));
    assertThat(r.rootToken()).startsWith("cus.");
    assertThat(seal.state()).isEqualTo(SystemState.SEALED);
    assertThat(seal.status().threshold()).isEqualTo(3);
    assertThatThrownBy(() -> seal.init(5, 3, false, Optional.empty())).isInstanceOf(ConflictException.class);
    // Nothing secret is stored in the clear: the keyring is ciphertext, the token only hashed.
    assertThat(records.map.keySet()).contains("seal/config", "seal/keyring");
    assertThat(records.map.values()).noneMatch(v -> new String(v.payload()).contains(r.rootToken()));
    assertThatThrownBy(() -> seal.init(2, 1, false, Optional.empty())).isInstanceOf(ConflictException.class);
  }

  @Test
  @DisplayName("SS-002 11.3.7 — M shares unseal; sealing wipes the keys; a restarted node starts sealed")
  void unsealAndSeal() {
    MemoryRecordStore records = new MemoryRecordStore();
    Seal seal = new Seal(records, CRYPTO);
    List<String> shares = seal.init(5, 3, false, Optional.empty()).shares();
    assertThatThrownBy(seal::barrier).isInstanceOf(UnavailableException.class);
    assertThat(seal.unseal(shares.get(4)).progress()).isEqualTo(1);
    assertThatThrownBy(() -> seal.unseal(shares.get(4))).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("progress unchanged, 1 of 3");
    assertThatThrownBy(() -> seal.unseal("custos-share-v1:garbage")).isInstanceOf(InvalidInputException.class);
    assertThat(seal.unseal(shares.get(0)).progress()).isEqualTo(2);
    assertThat(seal.unseal(shares.get(2)).state()).isEqualTo(SystemState.UNSEALED);
    byte[] sealed = seal.barrier().seal("kms.key", "payments", 1, new byte[] {1, 2, 3});
    seal.seal();
    assertThat(seal.state()).isEqualTo(SystemState.SEALED);
    assertThatThrownBy(seal::barrier).isInstanceOf(UnavailableException.class);

    Seal restarted = new Seal(records, CRYPTO);
    assertThat(restarted.state()).isEqualTo(SystemState.SEALED);
    restarted.unseal(shares.get(1));
    restarted.unseal(shares.get(3));
    restarted.unseal(shares.get(0));
    assertThat(restarted.barrier().open("kms.key", "payments", 1, sealed)).containsExactly(1, 2, 3);
  }

  @Test
  @DisplayName("SS-002 11.3.1 — a share of another installation is refused and does not disturb progress")
  void foreignShare() {
    Seal ours = new Seal(new MemoryRecordStore(), CRYPTO);
    List<String> mine = ours.init(3, 2, false, Optional.empty()).shares();
    List<String> theirs = new Seal(new MemoryRecordStore(), CRYPTO).init(3, 2, false, Optional.empty()).shares();
    ours.unseal(mine.get(0));
    assertThatThrownBy(() -> ours.unseal(theirs.get(1))).isInstanceOf(InvalidInputException.class);
    assertThat(ours.status().progress()).isEqualTo(1);
    assertThat(ours.unseal(mine.get(1)).state()).isEqualTo(SystemState.UNSEALED);
  }

  @Test
  @DisplayName("dev mode: one share, and a fixed root token only there")
  void devMode() {
    Seal dev = new Seal(new MemoryRecordStore(), CRYPTO);
    Seal.InitResult r = dev.init(1, 1, true, Optional.of("dev-token"));
    assertThat(r.rootToken()).isEqualTo("dev-token");
    assertThat(dev.unseal(r.shares().getFirst()).state()).isEqualTo(SystemState.UNSEALED);
    assertThatThrownBy(() -> new Seal(new MemoryRecordStore(), CRYPTO).init(1, 1, false, Optional.empty()))
        .hasMessageContaining("1 only in dev mode");
    assertThatThrownBy(() -> new Seal(new MemoryRecordStore(), CRYPTO).init(3, 2, false, Optional.of("x")))
        .hasMessageContaining("only in dev mode");
  }

  @Test
  @DisplayName("SS-002 11.3.6 — rotation adds a barrier key version, old records stay readable, rewrap moves them forward and survives a restart")
  void rotateAndRewrap() {
    MemoryRecordStore records = new MemoryRecordStore();
    Seal seal = new Seal(records, CRYPTO);
    seal.registerSealedType("kms.key");
    List<String> shares = seal.init(3, 2, false, Optional.empty()).shares();
    seal.unseal(shares.get(0));
    seal.unseal(shares.get(1));
    records.put("kms.key", "payments", seal.barrier().seal("kms.key", "payments", 1, new byte[] {9, 9}), 0);
    assertThat(io.custos.barrier.Barrier.keyVersionOf(records.get("kms.key", "payments").orElseThrow().payload())).isEqualTo(1);

    assertThat(seal.rotate()).isEqualTo(2);
    var old = records.get("kms.key", "payments").orElseThrow();
    assertThat(seal.barrier().open("kms.key", "payments", old.version(), old.payload())).containsExactly(9, 9);
    assertThat(seal.rewrap()).isGreaterThanOrEqualTo(2); // the kms key and the root token
    var moved = records.get("kms.key", "payments").orElseThrow();
    assertThat(io.custos.barrier.Barrier.keyVersionOf(moved.payload())).isEqualTo(2);
    assertThat(seal.rewrap()).isZero();
    seal.seal();
    assertThatThrownBy(seal::rotate).isInstanceOf(UnavailableException.class);

    Seal restarted = new Seal(records, CRYPTO);
    restarted.unseal(shares.get(2));
    restarted.unseal(shares.get(0));
    var now = records.get("kms.key", "payments").orElseThrow();
    assertThat(restarted.barrier().open("kms.key", "payments", now.version(), now.payload())).containsExactly(9, 9);
    assertThat(restarted.rotate()).isEqualTo(3);
  }

  private static java.security.KeyPair ecKey() throws Exception {
    java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
    g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static String publicPem(java.security.KeyPair kp) {
    return io.custos.crypto.Pem.write("PUBLIC KEY", kp.getPublic().getEncoded());
  }

  @Test
  @DisplayName("SS-002 11.3.7 — with custodian keys, init hands out each share encrypted to its custodian; they unseal once decrypted")
  void initWithCustodianKeys() throws Exception {
    MemoryRecordStore records = new MemoryRecordStore();
    Seal seal = new Seal(records, CRYPTO);
    List<java.security.KeyPair> custodians = List.of(ecKey(), ecKey(), ecKey());
    Seal.InitResult r = seal.init(3, 2, false, Optional.empty(), custodians.stream().map(SealTest::publicPem).toList());
    assertThat(r.encrypted()).isTrue();
    assertThat(r.shares()).hasSize(3).allMatch(s -> s.startsWith(io.custos.crypto.CustodianEnvelope.PREFIX));
    assertThat(r.encryptedTo()).hasSize(3).doesNotHaveDuplicates();
    for (int i = 0; i < 3; i++) {
      assertThat(io.custos.crypto.CustodianEnvelope.recipientFingerprint(r.shares().get(i))).isEqualTo(r.encryptedTo().get(i));
    }
    assertThatThrownBy(() -> seal.unseal(r.shares().get(0))).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("decrypt it first");
    for (int i : new int[] {2, 0}) {
      byte[] pkcs8 = custodians.get(i).getPrivate().getEncoded();
      try (io.custos.crypto.SecretBytes key = io.custos.crypto.SecretBytes.adopt(pkcs8);
          io.custos.crypto.SecretBytes plain = io.custos.crypto.CustodianEnvelope.open(key, r.shares().get(i))) {
        seal.unseal(plain.use(b -> new String(b, java.nio.charset.StandardCharsets.US_ASCII)));
      }
    }
    assertThat(seal.state()).isEqualTo(SystemState.UNSEALED);
  }

  @Test
  @DisplayName("SS-002 11.3.6 — a refused custodian key (count, malformed, weak, duplicate) stores nothing")
  void badCustodianKeysStoreNothing() throws Exception {
    MemoryRecordStore records = new MemoryRecordStore();
    Seal seal = new Seal(records, CRYPTO);
    String a = publicPem(ecKey());
    String b = publicPem(ecKey());
    java.security.KeyPairGenerator rsa = java.security.KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    String weak = publicPem(rsa.generateKeyPair());
    assertThatThrownBy(() -> seal.init(3, 2, false, Optional.empty(), List.of(a, b)))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("2 custodian keys were given for 3 shares");
    assertThatThrownBy(() -> seal.init(3, 2, false, Optional.empty(), List.of(a, b, "-----BEGIN PUBLIC KEY-----\nAAAA")))
        .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("custodian key 3:");
    assertThatThrownBy(() -> seal.init(3, 2, false, Optional.empty(), List.of(a, weak, b)))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("custodian key 2: custodian key is RSA-2048, too weak");
    assertThatThrownBy(() -> seal.init(3, 2, false, Optional.empty(), List.of(a, b, a)))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("custodian keys 1 and 3 are the same key");
    assertThat(records.map).isEmpty();
    assertThat(seal.state()).isEqualTo(SystemState.UNINITIALISED);
    assertThat(seal.init(2, 2, false, Optional.empty(), List.of(a, b)).shares()).hasSize(2);
  }
}
