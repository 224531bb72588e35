package io.custos.seal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.crypto.SecretBytes;
import io.custos.failure.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("SS-002 11.3.1 — splitting the root key among custodians at init")
class ShareSplitterTest {
  private static final SecureRandom RANDOM = TestRandom.seeded(11);

  @ParameterizedTest(name = "{0} shares, threshold {1}, dev {2}: {3}")
  @CsvSource(delimiter = '|', textBlock = """
      5  | 1  | false | threshold must be at least 2 (1 only in dev mode), got 1
      5  | 0  | true  | threshold must be at least 2 (1 only in dev mode), got 0
      5  | -1 | false | threshold must be at least 2 (1 only in dev mode), got -1
      17 | 3  | false | number of shares must be at most 16, got 17
      2  | 3  | false | threshold must not exceed the number of shares (threshold 3, shares 2)
      0  | 1  | true  | threshold must not exceed the number of shares (threshold 1, shares 0)
      """)
  @DisplayName("bounds 2 <= M <= N <= 16 (M = 1 only in dev mode) are enforced by name")
  void bounds(int shares, int threshold, boolean dev, String message) {
    try (SecretBytes root = root()) {
      assertThatThrownBy(() -> ShareSplitter.split(root, shares, threshold, dev, RANDOM))
          .isInstanceOf(InvalidInputException.class)
          .hasMessage(message);
    }
  }

  @Test
  @DisplayName("the root key must be 256 bits")
  void rootLength() {
    try (SecretBytes shortRoot = SecretBytes.copyOf(new byte[16])) {
      assertThatThrownBy(() -> ShareSplitter.split(shortRoot, 3, 2, false, RANDOM))
          .isInstanceOf(InvalidInputException.class)
          .hasMessage("root key must be 32 bytes (256 bits), got 16");
    }
  }

  @Test
  @DisplayName("shares are numbered 1..N, carry M and one set id, fresh for each split")
  void shape() {
    try (SecretBytes root = root()) {
      List<UnsealShare> first = ShareSplitter.split(root, 5, 3, false, RANDOM);
      List<UnsealShare> second = ShareSplitter.split(root, 5, 3, false, RANDOM);
      assertThat(first).extracting(UnsealShare::x).containsExactly(1, 2, 3, 4, 5);
      assertThat(first).extracting(UnsealShare::threshold).containsOnly(3);
      assertThat(first).extracting(UnsealShare::setId).containsOnly(first.get(0).setId());
      assertThat(second.get(0).setId()).isNotEqualTo(first.get(0).setId());
      assertThat(root.isWiped()).isFalse();
      first.forEach(UnsealShare::close);
      second.forEach(UnsealShare::close);
    }
  }

  @Test
  @DisplayName("extremes: 16 of 16, and 1 of 1 in dev mode")
  void extremes() {
    try (SecretBytes root = root()) {
      assertThat(ShareSplitter.split(root, 16, 16, false, RANDOM)).hasSize(16);
      List<UnsealShare> dev = ShareSplitter.split(root, 1, 1, true, RANDOM);
      assertThat(dev).singleElement().satisfies(s -> assertThat(
          s.value().use(root::sameAs)).isTrue());
    }
  }

  @Test
  @DisplayName("the key check value is HMAC-SHA-256(root, \"custos-root-key-check\")")
  void keyCheckIsHmac() throws Exception {
    for (int length : new int[] {1, 32, 64, 65, 100}) {
      byte[] key = new byte[length];
      RANDOM.nextBytes(key);
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] expected = mac.doFinal("custos-root-key-check".getBytes(StandardCharsets.US_ASCII));
      try (SecretBytes secret = SecretBytes.copyOf(key)) {
        assertThat(KeyCheck.of(secret)).as("key length %d", length).isEqualTo(expected);
      }
    }
  }

  private static SecretBytes root() {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    return SecretBytes.adopt(raw);
  }
}
