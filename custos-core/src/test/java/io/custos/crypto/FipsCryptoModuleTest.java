package io.custos.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.failure.ControlViolationException;
import io.custos.failure.InvalidInputException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.CryptoServicesRegistrar;
import org.bouncycastle.crypto.fips.FipsSecureRandom;
import org.bouncycastle.crypto.fips.FipsStatus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FipsCryptoModuleTest {
  private static final byte[] AD = "ad".getBytes(StandardCharsets.US_ASCII);
  private static FipsCryptoModule module;

  @BeforeAll
  static void start() {
    module = FipsCryptoModule.start();
  }

  @Test
  @DisplayName("SS-002 11.1.1/11.2.1 — randomness and at-rest encryption come from the Bouncy Castle FIPS module")
  void theFipsModuleIsUsed() {
    assertThat(FipsStatus.isReady()).isTrue();
    assertThat(module.name()).startsWith("Bouncy Castle FIPS 2.");
    assertThat(module.drbg()).isInstanceOf(FipsDrbg.class);
    FipsSecureRandom random = ((FipsDrbg) module.drbg()).random();
    assertThat(random.getAlgorithm()).contains("SHA512").contains("HMAC");
    assertThat(random.getSecurityStrength()).isEqualTo(256);
    try (SecretBytes key = module.drbg().newKey(32)) {
      assertThat(module.aes256Gcm(key, NonceBudget.fresh())).isInstanceOf(FipsAesGcm.class);
    }
  }

  @Test
  @DisplayName("SS-002 11.3.6 — the DRBG and AES-GCM work with the module in approved-only mode")
  void worksInApprovedOnlyMode() throws Exception {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicReference<byte[]> opened = new AtomicReference<>();
    Thread t = new Thread(() -> {
      try {
        CryptoServicesRegistrar.setApprovedOnlyMode(true);
        assertThat(CryptoServicesRegistrar.isInApprovedOnlyMode()).isTrue();
        FipsCryptoModule approved = FipsCryptoModule.start();
        try (SecretBytes key = approved.drbg().newKey(32)) {
          Aead aead = approved.aes256Gcm(key, NonceBudget.fresh());
          opened.set(aead.decrypt(aead.encrypt(new byte[] {1, 2, 3}, AD), AD));
        }
      } catch (Throwable e) {
        failure.set(e);
      }
    });
    t.start();
    t.join();
    assertThat(failure.get()).isNull();
    assertThat(opened.get()).containsExactly(1, 2, 3);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 16, 32, 100, 4096})
  @DisplayName("SS-002 11.2.1 — the DRBG gives exactly the length asked for")
  void drbgLength(int length) {
    byte[] out = new byte[length];
    module.drbg().nextBytes(out);
    assertThat(out).hasSize(length);
    try (SecretBytes key = module.drbg().newKey(32)) {
      assertThat(key.length()).isEqualTo(32);
    }
  }

  @Test
  @DisplayName("SS-002 11.2.1 — DRBG output does not repeat")
  void drbgDoesNotRepeat() {
    Set<ByteBuffer> seen = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      byte[] out = new byte[16];
      module.drbg().nextBytes(out);
      assertThat(seen.add(ByteBuffer.wrap(out))).isTrue();
    }
    assertThat(seen).doesNotContain(ByteBuffer.wrap(new byte[16]));
  }

  @Test
  @DisplayName("SS-002 11.3.6 — AES-256-GCM round trip is standard GCM (the JDK opens it): 12-byte nonce, 16-byte tag")
  void roundTripAndInterop() throws Exception {
    byte[] raw = new byte[32];
    module.drbg().nextBytes(raw);
    try (SecretBytes key = SecretBytes.copyOf(raw)) {
      Aead aead = module.aes256Gcm(key, NonceBudget.fresh());
      byte[] plaintext = "key material at rest".getBytes(StandardCharsets.UTF_8);
      byte[] ct = aead.encrypt(plaintext, AD);
      assertThat(ct).hasSize(12 + plaintext.length + 16);
      assertThat(aead.decrypt(ct, AD)).isEqualTo(plaintext);
      assertThat(aead.decrypt(aead.encrypt(new byte[0], AD), AD)).isEmpty();

      Cipher jdk = Cipher.getInstance("AES/GCM/NoPadding");
      jdk.init(Cipher.DECRYPT_MODE, new SecretKeySpec(raw, "AES"), new GCMParameterSpec(128, ct, 0, 12));
      jdk.updateAAD(AD);
      assertThat(jdk.doFinal(ct, 12, ct.length - 12)).isEqualTo(plaintext);
    } finally {
      java.util.Arrays.fill(raw, (byte) 0);
    }
  }

  @Test
  @DisplayName("SS-002 11.3.8 — changing any byte of the ciphertext, or the associated data, fails")
  void tamperingFails() {
    try (SecretBytes key = module.drbg().newKey(32)) {
      Aead aead = module.aes256Gcm(key, NonceBudget.fresh());
      byte[] ct = aead.encrypt("secret".getBytes(StandardCharsets.UTF_8), AD);
      for (int i = 0; i < ct.length; i++) {
        byte[] bad = ct.clone();
        bad[i] ^= 0x01;
        assertThatThrownBy(() -> aead.decrypt(bad, AD)).isInstanceOf(InvalidInputException.class);
      }
      assertThatThrownBy(() -> aead.decrypt(ct, "other".getBytes(StandardCharsets.US_ASCII)))
          .isInstanceOf(InvalidInputException.class);
      assertThatThrownBy(() -> aead.decrypt(java.util.Arrays.copyOf(ct, 27), AD))
          .isInstanceOf(InvalidInputException.class);
    }
  }

  @Test
  @DisplayName("SP 800-38D 8.2.2 — random 96-bit nonces do not repeat across many encryptions")
  void noncesAreUnique() {
    try (SecretBytes key = module.drbg().newKey(32)) {
      Aead aead = module.aes256Gcm(key, NonceBudget.fresh());
      Set<ByteBuffer> nonces = new HashSet<>();
      for (int i = 0; i < 10_000; i++) {
        byte[] ct = aead.encrypt(new byte[] {7}, AD);
        assertThat(nonces.add(ByteBuffer.wrap(ct, 0, 12).slice())).isTrue();
      }
    }
  }

  @Test
  @DisplayName("SS-002 11.2.5 / SP 800-38D 8.3 — a key refuses to encrypt past its usage bound, still decrypts")
  void usageBoundEnforced() {
    try (SecretBytes key = module.drbg().newKey(32)) {
      NonceBudget budget = NonceBudget.resume(0, 3);
      Aead aead = module.aes256Gcm(key, budget);
      byte[] last = null;
      for (int i = 0; i < 3; i++) {
        last = aead.encrypt(new byte[] {1}, AD);
      }
      assertThat(budget.exhausted()).isTrue();
      assertThatThrownBy(() -> aead.encrypt(new byte[] {1}, AD))
          .isInstanceOf(ControlViolationException.class)
          .hasMessageStartingWith("SS-002 11.2.5")
          .satisfies(e -> assertThat(((ControlViolationException) e).control()).contains("SS-002 11.2.5"));
      assertThat(budget.used()).isEqualTo(3);
      assertThat(aead.decrypt(last, AD)).containsExactly(1);
    }
    assertThat(NonceBudget.fresh().bound()).isEqualTo(1L << 32);
    assertThatThrownBy(() -> NonceBudget.resume(0, (1L << 32) + 1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @DisplayName("SS-002 11.3.7 — once its key is wiped the primitive cannot be used")
  void wipedKeyUnusable() {
    SecretBytes key = module.drbg().newKey(32);
    Aead aead = module.aes256Gcm(key, NonceBudget.fresh());
    byte[] ct = aead.encrypt(new byte[] {1}, AD);
    key.close();
    assertThat(key.isWiped()).isTrue();
    assertThatThrownBy(() -> aead.encrypt(new byte[] {1}, AD)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> aead.decrypt(ct, AD)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  @DisplayName("SS-002 11.3.6 — only AES-256 keys are accepted")
  void onlyAes256() {
    try (SecretBytes key = module.drbg().newKey(16)) {
      assertThatThrownBy(() -> module.aes256Gcm(key, NonceBudget.fresh())).isInstanceOf(InvalidInputException.class);
    }
  }
}
