package io.custos.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.failure.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MacAndKeyWrapTest {
  private static final HexFormat HEX = HexFormat.of();
  private static FipsCryptoModule module;

  @BeforeAll
  static void start() {
    module = FipsCryptoModule.start();
  }

  @ParameterizedTest
  @EnumSource(MacAlgorithm.class)
  @DisplayName("HMAC round trip; any changed bit of message or tag fails; the JDK computes the same tag")
  void hmacRoundTrip(MacAlgorithm algorithm) throws Exception {
    try (SecretBytes key = module.drbg().newKey(algorithm.keyBytes())) {
      Mac mac = module.hmac(algorithm, key);
      byte[] message = "rotate kms/keys/payments".getBytes(StandardCharsets.UTF_8);
      byte[] tag = mac.tag(message);
      assertThat(tag).hasSize(algorithm.tagBytes());
      assertThat(mac.verify(message, tag)).isTrue();
      for (int i = 0; i < tag.length; i++) {
        byte[] bad = tag.clone();
        bad[i] ^= 0x01;
        assertThat(mac.verify(message, bad)).isFalse();
      }
      byte[] other = message.clone();
      other[0] ^= 0x20;
      assertThat(mac.verify(other, tag)).isFalse();
      assertThat(mac.verify(message, java.util.Arrays.copyOf(tag, tag.length - 1))).isFalse();

      String jdkName = switch (algorithm) {
        case HMAC_SHA1 -> "HmacSHA1";
        case HMAC_SHA256 -> "HmacSHA256";
        case HMAC_SHA384 -> "HmacSHA384";
      };
      javax.crypto.Mac jdk = javax.crypto.Mac.getInstance(jdkName);
      key.use(k -> {
        try {
          jdk.init(new SecretKeySpec(k, jdkName));
        } catch (java.security.InvalidKeyException e) {
          throw new AssertionError(e);
        }
        return null;
      });
      assertThat(jdk.doFinal(message)).isEqualTo(tag);
    }
  }

  @Test
  @DisplayName("RFC 4231 test case 2: HMAC-SHA-256 with key \"Jefe\"")
  void rfc4231TestCase2() {
    try (SecretBytes key = SecretBytes.copyOf("Jefe".getBytes(StandardCharsets.US_ASCII))) {
      Mac mac = new FipsHmac(MacAlgorithm.HMAC_SHA256, key);
      byte[] message = "what do ya want for nothing?".getBytes(StandardCharsets.US_ASCII);
      byte[] expected = HEX.parseHex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
      assertThat(mac.tag(message)).isEqualTo(expected);
      assertThat(mac.verify(message, expected)).isTrue();
    }
  }

  @Test
  @DisplayName("HMAC refuses a key that is not as long as the hash output")
  void hmacKeyLength() {
    try (SecretBytes key = module.drbg().newKey(16)) {
      assertThatThrownBy(() -> module.hmac(MacAlgorithm.HMAC_SHA256, key))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("32-byte key");
    }
    try (SecretBytes key = module.drbg().newKey(32)) {
      assertThatThrownBy(() -> module.hmac(MacAlgorithm.HMAC_SHA384, key))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("48-byte key");
    }
  }

  @Test
  @DisplayName("HMAC ends with its key")
  void hmacKeyWiped() {
    SecretBytes key = module.drbg().newKey(32);
    Mac mac = module.hmac(MacAlgorithm.HMAC_SHA256, key);
    mac.tag(new byte[] {1});
    key.close();
    assertThatThrownBy(() -> mac.tag(new byte[] {1})).isInstanceOf(IllegalStateException.class);
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(ints = {1, 7, 8, 20, 32, 33, 64, 4096})
  @DisplayName("AES-256 KWP round trip for any length, and the JDK unwraps it")
  void kwpRoundTrip(int length) throws Exception {
    try (SecretBytes kek = module.drbg().newKey(32)) {
      KeyWrap kwp = module.aesKwp(kek);
      byte[] raw = new byte[length];
      module.drbg().nextBytes(raw);
      try (SecretBytes material = SecretBytes.copyOf(raw)) {
        byte[] wrapped = kwp.wrap(material);
        assertThat(wrapped).hasSize(8 + ((length + 7) / 8) * 8);
        assertThat(kwp.wrap(material)).isEqualTo(wrapped);
        try (SecretBytes unwrapped = kwp.unwrap(wrapped)) {
          assertThat(unwrapped.sameAs(raw)).isTrue();
        }
        javax.crypto.Cipher jdk = javax.crypto.Cipher.getInstance("AESWrapPad");
        kek.use(k -> {
          try {
            jdk.init(javax.crypto.Cipher.DECRYPT_MODE, new SecretKeySpec(k, "AES"));
          } catch (java.security.InvalidKeyException e) {
            throw new AssertionError(e);
          }
          return null;
        });
        assertThat(jdk.doFinal(wrapped)).isEqualTo(raw);
      }
    }
  }

  @Test
  @DisplayName("RFC 5649 section 6: wrapping a 20-octet key with a 192-bit KEK")
  void rfc5649Vector() {
    byte[] kekBytes = HEX.parseHex("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8");
    byte[] keyBytes = HEX.parseHex("c37b7e6492584340bed12207808941155068f738");
    byte[] expected = HEX.parseHex("138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a");
    try (SecretBytes kek = SecretBytes.copyOf(kekBytes); SecretBytes key = SecretBytes.copyOf(keyBytes)) {
      KeyWrap kwp = new FipsAesKwp(kek);
      assertThat(kwp.wrap(key)).isEqualTo(expected);
      try (SecretBytes unwrapped = kwp.unwrap(expected)) {
        assertThat(unwrapped.sameAs(keyBytes)).isTrue();
      }
    }
  }

  @Test
  @DisplayName("KWP: any changed byte, a truncated wrap or another KEK does not authenticate")
  void kwpTamper() {
    try (SecretBytes kek = module.drbg().newKey(32); SecretBytes other = module.drbg().newKey(32);
        SecretBytes material = module.drbg().newKey(32)) {
      KeyWrap kwp = module.aesKwp(kek);
      byte[] wrapped = kwp.wrap(material);
      for (int i = 0; i < wrapped.length; i++) {
        byte[] bad = wrapped.clone();
        bad[i] ^= 0x01;
        assertThatThrownBy(() -> kwp.unwrap(bad))
            .isInstanceOf(InvalidInputException.class).hasMessage("wrapped key does not authenticate");
      }
      assertThatThrownBy(() -> kwp.unwrap(java.util.Arrays.copyOf(wrapped, wrapped.length - 8)))
          .isInstanceOf(InvalidInputException.class).hasMessage("wrapped key does not authenticate");
      assertThatThrownBy(() -> kwp.unwrap(new byte[7]))
          .isInstanceOf(InvalidInputException.class).hasMessage("wrapped key does not authenticate");
      assertThatThrownBy(() -> module.aesKwp(other).unwrap(wrapped))
          .isInstanceOf(InvalidInputException.class).hasMessage("wrapped key does not authenticate");
    }
  }

  @Test
  @DisplayName("KWP takes AES-256 keys only and refuses empty key material")
  void kwpChecks() {
    try (SecretBytes kek = module.drbg().newKey(16)) {
      assertThatThrownBy(() -> module.aesKwp(kek)).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("32-byte key");
    }
    try (SecretBytes kek = module.drbg().newKey(32); SecretBytes empty = SecretBytes.copyOf(new byte[0])) {
      assertThatThrownBy(() -> module.aesKwp(kek).wrap(empty)).isInstanceOf(InvalidInputException.class);
    }
  }
}
