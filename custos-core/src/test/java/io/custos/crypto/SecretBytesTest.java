package io.custos.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SecretBytesTest {
  @Test
  @DisplayName("SS-002 11.3.7 — key material is zeroised on close and unusable afterwards")
  void zeroisedOnClose() {
    byte[] raw = {1, 2, 3, 4};
    SecretBytes s = SecretBytes.adopt(raw);
    byte third = s.use(b -> b[2]);
    assertThat(third).isEqualTo((byte) 3);
    s.close();
    assertThat(raw).containsOnly(0);
    assertThat(s.isWiped()).isTrue();
    assertThatThrownBy(() -> s.use(b -> b[0])).isInstanceOf(IllegalStateException.class);
  }

  @Test
  @DisplayName("SS-002 11.3.7 — secrets never appear in text")
  void neverPrinted() {
    try (SecretBytes s = SecretBytes.copyOf(new byte[] {0x41, 0x42})) {
      assertThat(s.toString()).isEqualTo("SecretBytes[2 bytes]").doesNotContain("AB").doesNotContain("65");
      assertThat(s.sameAs(new byte[] {0x41, 0x42})).isTrue();
      assertThat(s.sameAs(new byte[] {0x41, 0x43})).isFalse();
    }
  }
}
