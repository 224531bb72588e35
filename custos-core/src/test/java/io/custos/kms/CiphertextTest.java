package io.custos.kms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.failure.InvalidInputException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CiphertextTest {
  @Test
  @DisplayName("the text form round-trips; the version is read from the header alone, 0 for anything else")
  void textForm() {
    Ciphertext c = new Ciphertext("payments", 12, new byte[] {1, 2, 3});
    assertThat(Ciphertext.parse(c.text(), "ciphertext").version()).isEqualTo(12);
    assertThat(Ciphertext.versionOf(c.text())).isEqualTo(12);
    assertThat(Ciphertext.versionOf("custos:v1:k:1:AAAA")).isEqualTo(1);
    assertThat(Ciphertext.versionOf("custos:v1:k:999999999:x")).isEqualTo(999999999);
    for (String bad : new String[] {null, "", "custos:v1:", "custos:v1:k", "custos:v1:k:", "custos:v1:k::AA",
        "custos:v1::1:AA", "custos:v1:k:01:AA", "custos:v1:k:1a:AA", "custos:v1:k:1234567890:AA", "custos:v2:k:1:AA"}) {
      assertThat(Ciphertext.versionOf(bad)).as(String.valueOf(bad)).isZero();
    }
    assertThatThrownBy(() -> Ciphertext.parse("custos:v1:k:1:", "ciphertext")).isInstanceOf(InvalidInputException.class);
  }
}
