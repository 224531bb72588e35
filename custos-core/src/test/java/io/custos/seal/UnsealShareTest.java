package io.custos.seal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.crypto.SecretBytes;
import io.custos.failure.InvalidInputException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@Label("SS-002 11.3.7 — unseal share text: round-trips, typos refused, never echoed")
@DisplayName("SS-002 11.3.7 — unseal share text: round-trips, typos refused, never echoed")
class UnsealShareTest {
  private static final String BASE64URL =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  private static final String OTHERS = "=+/ .:é\u0000";

  @Property(tries = 200)
  @Label("parse(text()) gives back every field and the value")
  void roundTrip(
      @ForAll long setId,
      @ForAll @IntRange(min = 1, max = 16) int threshold,
      @ForAll @IntRange(min = 1, max = 16) int x,
      @ForAll @Size(32) byte[] value) {
    try (UnsealShare share = new UnsealShare(setId, threshold, x, SecretBytes.copyOf(value));
        UnsealShare back = UnsealShare.parse("  " + share.text() + "\n")) {
      assertThat(share.text()).startsWith("custos-share-v1:").hasSize(16 + 63);
      assertThat(back.setId()).isEqualTo(setId);
      assertThat(back.threshold()).isEqualTo(threshold);
      assertThat(back.x()).isEqualTo(x);
      assertThat(back.value().sameAs(value)).isTrue();
      assertThat(back.text()).isEqualTo(share.text());
    }
  }

  @Property(tries = 5)
  @Label("every single-character change anywhere in a share is refused, and not echoed")
  void anySingleCharacterChangeIsRefused(@ForAll long setId, @ForAll @Size(32) byte[] value) {
    String text;
    try (UnsealShare share = new UnsealShare(setId, 3, 2, SecretBytes.copyOf(value))) {
      text = share.text();
    }
    String body = text.substring(UnsealShare.PREFIX.length());
    for (int position = 0; position < text.length(); position++) {
      for (char c : (BASE64URL + OTHERS).toCharArray()) {
        if (c == text.charAt(position)) {
          continue;
        }
        String changed = text.substring(0, position) + c + text.substring(position + 1);
        boolean inBody = position >= UnsealShare.PREFIX.length();
        assertThatThrownBy(() -> UnsealShare.parse(changed))
            .as("change at %d to %s", position, c)
            .isInstanceOf(InvalidInputException.class)
            .satisfies(e -> {
              assertNotEchoed(e.getMessage(), body);
              if (inBody && BASE64URL.indexOf(c) >= 0) {
                assertThat(e.getMessage()).startsWith("share check failed");
              }
            });
      }
    }
  }

  @Test
  @DisplayName("truncated, over-long, foreign, empty and other-version texts are refused precisely")
  void malformed() {
    String text = sample().text();
    String body = text.substring(UnsealShare.PREFIX.length());
    assertRefused(text.substring(0, text.length() - 1), body,
        "share text is truncated: expected 63 characters after the prefix, got 62");
    assertRefused(text.substring(0, 20), body, "share text is truncated");
    assertRefused(text + "A", body, "share text is too long");
    assertRefused(UnsealShare.PREFIX, body, "share text is truncated");
    assertRefused("custos-share-v2:" + body, body, "unsupported share format version");
    assertRefused("vault-share:" + body, body, "not an unseal share");
    assertRefused(body, body, "not an unseal share");
    assertRefused("", body, "share text is empty");
    assertRefused(null, body, "share text is empty");
    assertRefused(text.substring(0, 30) + " " + text.substring(31), body,
        "share text has a character that is not base64url at position 31");
    assertRefused(text + "=", body, "not base64url");
  }

  @Test
  @DisplayName("a well-formed share of another version or with fields out of range is refused")
  void wellFormedButWrong() {
    assertRefused(craft(2, 3, 1), null, "unsupported share version 2: this build reads version 1");
    assertRefused(craft(1, 0, 1), null, "share threshold must be between 1 and 16, got 0");
    assertRefused(craft(1, 17, 1), null, "share threshold must be between 1 and 16, got 17");
    assertRefused(craft(1, 3, 0), null, "share number must be between 1 and 16, got 0");
    assertRefused(craft(1, 3, 200), null, "share number must be between 1 and 16, got 200");
    try (UnsealShare ok = UnsealShare.parse(craft(1, 3, 16))) {
      assertThat(ok.x()).isEqualTo(16);
    }
  }

  @Test
  @DisplayName("SS-002 11.3.7 — the share value never appears in text, and close() wipes it")
  void noSecretInToString() {
    byte[] value = new byte[32];
    Arrays.fill(value, (byte) 0xAB);
    UnsealShare share = new UnsealShare(0x0102030405060708L, 3, 2, SecretBytes.copyOf(value));
    assertThat(share.toString())
        .isEqualTo("UnsealShare[set 0102030405060708, share 2, threshold 3]")
        .doesNotContainIgnoringCase("abab")
        .doesNotContain(Base64.getUrlEncoder().encodeToString(value).substring(0, 8));
    share.close();
    assertThat(share.value().isWiped()).isTrue();
  }

  private static UnsealShare sample() {
    byte[] value = new byte[32];
    for (int i = 0; i < value.length; i++) {
      value[i] = (byte) (i * 7 + 1);
    }
    return new UnsealShare(42, 3, 2, SecretBytes.copyOf(value));
  }

  /** A share text with a correct check over arbitrary header bytes. */
  private static String craft(int version, int threshold, int x) {
    ByteBuffer b = ByteBuffer.allocate(47);
    b.put((byte) version).putLong(7).put((byte) threshold).put((byte) x).put(new byte[32]);
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(Arrays.copyOf(b.array(), 43));
      b.put(digest, 0, 4);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
    return UnsealShare.PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
  }

  private static void assertRefused(String text, String body, String message) {
    assertThatThrownBy(() -> UnsealShare.parse(text))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining(message)
        .satisfies(e -> {
          if (body != null) {
            assertNotEchoed(e.getMessage(), body);
          }
        });
  }

  /** No run of 12 characters of the share body appears in the message. */
  private static void assertNotEchoed(String message, String body) {
    for (int i = 0; i + 12 <= body.length(); i++) {
      assertThat(message).doesNotContain(body.substring(i, i + 12));
    }
  }
}
