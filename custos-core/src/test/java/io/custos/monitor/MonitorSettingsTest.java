package io.custos.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.failure.InvalidInputException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("SS-002 11.3.14 — monitor settings")
class MonitorSettingsTest {
  private static final Duration MINUTE = Duration.ofMinutes(1);

  @Test
  @DisplayName("SS-002 11.3.14 — the documented defaults")
  void defaults() {
    MonitorSettings d = MonitorSettings.defaults();
    assertThat(d.limits()).isEqualTo(new MonitorSettings.Limits(10_000, 10_000, 100_000, 10_000));
    assertThat(d.resources().keyPrefixes()).containsExactly("kms/keys/");
    assertThat(d.resources().kekPrefixes()).isEmpty();
    assertThat(d.resources().kekActions()).containsExactlyInAnyOrder("kms.wrap", "kms.unwrap");
    assertThat(d.rate()).isEqualTo(new MonitorSettings.Rate(MINUTE, 0.1, 10, 5.0, 50,
        Duration.ofMinutes(15)));
    assertThat(d.firstUse().learningPeriod()).isEqualTo(Duration.ofHours(24));
    assertThat(d.denials()).isEqualTo(new MonitorSettings.Denials(10, MINUTE,
        Duration.ofMinutes(15)));
    assertThat(d.bulkDecrypt()).isEqualTo(new MonitorSettings.BulkDecrypt(Set.of("kms.decrypt"),
        200, MINUTE, Duration.ofMinutes(15)));
    assertThat(d.hours()).isEqualTo(new MonitorSettings.Hours(ZoneId.of("Europe/London"),
        List.of(), Duration.ofHours(1)));
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        bad("monitor.limits.maxPrincipals", () -> new MonitorSettings.Limits(0, 1, 1, 1)),
        bad("monitor.limits.maxPrincipalKeyPairs", () -> new MonitorSettings.Limits(1, 1, -5, 1)),
        bad("monitor.resources.keyPrefixes",
            () -> new MonitorSettings.Resources(List.of(""), List.of(), Set.of())),
        bad("monitor.resources.kekPrefixes",
            () -> new MonitorSettings.Resources(List.of(), List.of("kms/\nkeks/"), Set.of())),
        bad("monitor.resources.kekActions",
            () -> new MonitorSettings.Resources(List.of(), List.of(), Set.of("alert.first_use"))),
        bad("monitor.resources.kekActions",
            () -> new MonitorSettings.Resources(List.of(), List.of(), Set.of("Wrap"))),
        bad("monitor.rate.window", () -> new MonitorSettings.Rate(Duration.ZERO, 0.1, 1, 2, 1, MINUTE)),
        bad("monitor.rate.window",
            () -> new MonitorSettings.Rate(Duration.ofNanos(1500), 0.1, 1, 2, 1, MINUTE)),
        bad("monitor.rate.alpha", () -> new MonitorSettings.Rate(MINUTE, 0, 1, 2, 1, MINUTE)),
        bad("monitor.rate.alpha", () -> new MonitorSettings.Rate(MINUTE, 1.5, 1, 2, 1, MINUTE)),
        bad("monitor.rate.alpha", () -> new MonitorSettings.Rate(MINUTE, Double.NaN, 1, 2, 1, MINUTE)),
        bad("monitor.rate.warmUpWindows", () -> new MonitorSettings.Rate(MINUTE, 0.1, -1, 2, 1, MINUTE)),
        bad("monitor.rate.factor", () -> new MonitorSettings.Rate(MINUTE, 0.1, 1, 0.5, 1, MINUTE)),
        bad("monitor.rate.factor",
            () -> new MonitorSettings.Rate(MINUTE, 0.1, 1, Double.POSITIVE_INFINITY, 1, MINUTE)),
        bad("monitor.rate.minCount", () -> new MonitorSettings.Rate(MINUTE, 0.1, 1, 2, 0, MINUTE)),
        bad("monitor.rate.coolDown",
            () -> new MonitorSettings.Rate(MINUTE, 0.1, 1, 2, 1, Duration.ofSeconds(-1))),
        bad("monitor.firstUse.learningPeriod",
            () -> new MonitorSettings.FirstUse(Duration.ofDays(4000))),
        bad("monitor.denials.threshold", () -> new MonitorSettings.Denials(0, MINUTE, MINUTE)),
        bad("monitor.denials.threshold", () -> new MonitorSettings.Denials(10_001, MINUTE, MINUTE)),
        bad("monitor.bulkDecrypt.actions",
            () -> new MonitorSettings.BulkDecrypt(Set.of("decrypt"), 5, MINUTE, MINUTE)),
        bad("monitor.bulkDecrypt.window",
            () -> new MonitorSettings.BulkDecrypt(Set.of("kms.decrypt"), 5, Duration.ZERO, MINUTE)),
        bad("monitor.hours.coolDown", () -> new MonitorSettings.Hours(ZoneId.of("UTC"), List.of(),
            Duration.ofMillis(-1))),
        bad("monitor.hours.rules.days", () -> new HoursRule("svc-*",
            EnumSet.noneOf(DayOfWeek.class), LocalTime.NOON, LocalTime.MIDNIGHT)),
        bad("monitor.hours.rules.principalPattern", () -> new HoursRule("",
            EnumSet.of(DayOfWeek.MONDAY), LocalTime.NOON, LocalTime.MIDNIGHT)));
  }

  private static Arguments bad(String setting, ThrowingCallable construct) {
    return Arguments.of(setting, Named.of("construct", construct));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  @DisplayName("SS-002 11.3.14 — invalid settings are refused, naming the setting")
  void refused(String setting, ThrowingCallable construct) {
    assertThatThrownBy(construct).isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith(setting + ":");
  }

  @Test
  @DisplayName("SS-002 11.3.14 — missing groups are refused")
  void nullsRefused() {
    assertThatThrownBy(() -> MonitorSettings.defaults().with((MonitorSettings.Rate) null))
        .isInstanceOf(NullPointerException.class);
  }
}
