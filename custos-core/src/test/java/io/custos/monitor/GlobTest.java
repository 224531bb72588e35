package io.custos.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("SS-002 11.3.14 — principal patterns")
class GlobTest {
  @ParameterizedTest(name = "''{0}'' matches ''{1}'': {2}")
  @CsvSource(quoteCharacter = '"', value = {
      "svc-*, svc-a, true",
      "svc-*, svc-, true",
      "svc-*, svc, false",
      "svc-*, xsvc-a, false",
      "*, anyone/at all, true",
      "*, \"\", true",
      "a?c, abc, true",
      "a?c, ac, false",
      "*-kek, backup-kek, true",
      "a*b*c, axxbyyc, true",
      "a*b*c, axxbyy, false",
      "a**, a, true",
      "alice, alice, true",
      "alice, alicia, false",
      "svc/*, svc/payments/batch, true",
  })
  @DisplayName("SS-002 11.3.14 — principal patterns for allowed hours")
  void matches(String pattern, String name, boolean expected) {
    assertThat(Glob.matches(pattern, name)).isEqualTo(expected);
  }
}
