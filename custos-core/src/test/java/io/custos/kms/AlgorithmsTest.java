package io.custos.kms;

import static io.custos.kms.Kms.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.crypto.SecretBytes;
import io.custos.failure.ControlViolationException;
import io.custos.failure.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Round trips for every algorithm and purpose a managed key can have. One key per case, made once. */
class AlgorithmsTest {
  private static final Kms KMS = new Kms();
  private static final KeyManager KEYS = KMS.keys;
  private static final byte[] DATA = "the quick brown fox".getBytes(StandardCharsets.UTF_8);

  @AfterAll
  static void close() {
    KMS.close();
  }

  static Stream<Arguments> encryptKeys() {
    return Stream.of("aes-256-gcm", "rsa-3072", "rsa-4096", "ml-kem-768", "ml-kem-1024").map(Arguments::of);
  }

  static Stream<Arguments> signKeys() {
    return Stream.of("ecdsa-p256", "ecdsa-p384", "ed25519", "rsa-3072", "rsa-4096", "ml-dsa-44", "ml-dsa-65", "ml-dsa-87")
        .map(Arguments::of);
  }

  private static String key(KeyPurpose purpose, String algorithm) {
    String name = purpose.id() + "-" + algorithm;
    if (KMS.records.get(KeyManager.KEY_TYPE, name).isEmpty()) {
      KMS.create(name, purpose, algorithm);
    }
    return name;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("encryptKeys")
  @DisplayName("encrypt and decrypt, with associated data bound")
  void encrypt(String algorithm) {
    String k = key(KeyPurpose.ENCRYPT, algorithm);
    String ct = KEYS.encrypt(ALICE, k, DATA, "ctx".getBytes(StandardCharsets.UTF_8));
    try (SecretBytes plain = KEYS.decrypt(ALICE, k, ct, "ctx".getBytes(StandardCharsets.UTF_8), false)) {
      assertThat(plain.sameAs(DATA)).isTrue();
    }
    assertThatThrownBy(() -> KEYS.decrypt(ALICE, k, ct, "other".getBytes(StandardCharsets.UTF_8), false))
        .isInstanceOf(InvalidInputException.class);
    byte[] body = Base64.getUrlDecoder().decode(ct.substring(ct.lastIndexOf(':') + 1));
    body[body.length / 2] ^= 0x40;
    String tampered = ct.substring(0, ct.lastIndexOf(':') + 1) + Base64.getUrlEncoder().withoutPadding().encodeToString(body);
    assertThatThrownBy(() -> KEYS.decrypt(ALICE, k, tampered, "ctx".getBytes(StandardCharsets.UTF_8), false))
        .isInstanceOf(InvalidInputException.class);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("signKeys")
  @DisplayName("sign and verify; a changed message or signature does not verify")
  void sign(String algorithm) {
    String k = key(KeyPurpose.SIGN, algorithm);
    String sig = KEYS.sign(ALICE, k, DATA);
    assertThat(KEYS.verify(ALICE, k, DATA, sig, false)).isTrue();
    assertThat(KEYS.verify(ALICE, k, "other".getBytes(StandardCharsets.UTF_8), sig, false)).isFalse();
    byte[] body = Base64.getUrlDecoder().decode(sig.substring(sig.lastIndexOf(':') + 1));
    body[body.length - 1] ^= 1;
    String bad = sig.substring(0, sig.lastIndexOf(':') + 1) + Base64.getUrlEncoder().withoutPadding().encodeToString(body);
    assertThat(KEYS.verify(ALICE, k, DATA, bad, false)).isFalse();
    KeyManager.PublicKey pub = KEYS.publicKey(ALICE, k, 0);
    assertThat(pub.spki()[0]).isEqualTo((byte) 0x30);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("macs")
  @DisplayName("MAC and verify")
  void mac(String algorithm) {
    String k = key(KeyPurpose.MAC, algorithm);
    String tag = KEYS.mac(ALICE, k, DATA);
    assertThat(KEYS.verifyMac(ALICE, k, DATA, tag, false)).isTrue();
    assertThat(KEYS.verifyMac(ALICE, k, "x".getBytes(StandardCharsets.UTF_8), tag, false)).isFalse();
  }

  static Stream<Arguments> macs() {
    return Stream.of(Arguments.of("hmac-sha256"), Arguments.of("hmac-sha384"));
  }

  @Test
  @DisplayName("RSA keys serve the one purpose they were created for")
  void rsaOnePurpose() {
    String signer = key(KeyPurpose.SIGN, "rsa-3072");
    String encrypter = key(KeyPurpose.ENCRYPT, "rsa-3072");
    assertThatThrownBy(() -> KEYS.encrypt(ALICE, signer, DATA, null)).hasMessage("SS-002 11.3.3: key '" + signer
        + "' is for SIGN, not ENCRYPT");
    assertThatThrownBy(() -> KEYS.sign(ALICE, encrypter, DATA)).hasMessage("SS-002 11.3.3: key '" + encrypter
        + "' is for ENCRYPT, not SIGN");
  }

  @Test
  @DisplayName("SS-002 11.2.4 — wrap keys wrap keys: managed keys and declared key blobs, never arbitrary data")
  void wrap() {
    String w = key(KeyPurpose.WRAP, "aes-256-kwp");
    String inner = key(KeyPurpose.ENCRYPT, "aes-256-gcm");
    String wrapped = KEYS.wrapKey(ALICE, w, inner);
    try (KeyManager.Unwrapped u = KEYS.unwrap(ALICE, w, wrapped, false)) {
      assertThat(u.algorithm()).isEqualTo("aes-256-gcm");
      assertThat(u.material().length()).isEqualTo(32);
    }
    String signer = key(KeyPurpose.SIGN, "ecdsa-p256");
    try (KeyManager.Unwrapped u = KEYS.unwrap(ALICE, w, KEYS.wrapKey(ALICE, w, signer), false)) {
      assertThat(u.algorithm()).isEqualTo("ecdsa-p256");
    }
    byte[] blob = new byte[32];
    KMS.MODULE.drbg().nextBytes(blob);
    try (SecretBytes b = SecretBytes.copyOf(blob)) {
      String w2 = KEYS.wrapBlob(ALICE, w, "hmac-sha256", b);
      try (KeyManager.Unwrapped u = KEYS.unwrap(ALICE, w, w2, false)) {
        assertThat(u.material().sameAs(blob)).isTrue();
      }
    }
    try (SecretBytes text = SecretBytes.copyOf("attack at dawn, attack at dawn!!".getBytes(StandardCharsets.UTF_8))) {
      assertThatThrownBy(() -> KEYS.wrapBlob(ALICE, w, null, text)).isInstanceOf(ControlViolationException.class)
          .hasMessageStartingWith("SS-002 11.2.4: wrap keys wrap only keys: declare the key algorithm");
      assertThatThrownBy(() -> KEYS.wrapBlob(ALICE, w, "ecdsa-p256", text))
          .hasMessageStartingWith("SS-002 11.2.4: the blob is not a PKCS#8 ecdsa-p256 private key");
    }
    try (SecretBytes shortKey = SecretBytes.copyOf(new byte[7])) {
      assertThatThrownBy(() -> KEYS.wrapBlob(ALICE, w, "aes-256-gcm", shortKey))
          .hasMessageStartingWith("SS-002 11.2.4: a aes-256-gcm key is 32 bytes, the blob is 7");
    }
    assertThatThrownBy(() -> KEYS.encrypt(ALICE, w, DATA, null)).hasMessageStartingWith("SS-002 11.3.3");
  }

  @Test
  @DisplayName("a data key from a wrap key comes back wrapped, and unwraps to the same bytes")
  void wrapDataKey() {
    String w = key(KeyPurpose.WRAP, "aes-256-kwp");
    try (KeyManager.DataKey dk = KEYS.dataKey(ALICE, w, null, true);
        KeyManager.Unwrapped u = KEYS.unwrap(ALICE, w, dk.ciphertext(), false)) {
      assertThat(u.material().sameAs(dk.plaintext().orElseThrow().use(byte[]::clone))).isTrue();
    }
  }
}
