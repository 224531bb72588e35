package io.custos.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("SS-002 11.3.14 — use outside allowed hours")
class OutsideHoursTest {
  private static final MonitorSettings SETTINGS = MonitorSettings.defaults()
      .with(new MonitorSettings.Hours(ZoneId.of("Europe/London"), List.of(
          new HoursRule("svc-batch-*", EnumSet.allOf(DayOfWeek.class), LocalTime.of(22, 0),
              LocalTime.of(6, 0)),
          HoursRule.weekdays("svc-*", LocalTime.of(8, 0), LocalTime.of(18, 0))),
          Duration.ofHours(1)))
      // Keep first-use alerts out of these scenarios.
      .with(new MonitorSettings.FirstUse(Duration.ofDays(3650)));

  private final Events events = new Events();
  private final AnomalyDetector detector =
      Events.detector(SETTINGS, KekAuthorisations.noneGranted());

  private List<Alert> at(String instant, String principal) {
    return detector.observe(events.at(Instant.parse(instant)).by(principal).event());
  }

  @ParameterizedTest(name = "{0} by {1}: outside = {2}")
  @CsvSource({
      // Spring change, Sunday 30 March 2025: 07:30Z is 07:30 GMT before it, 08:30 BST after.
      "2025-03-28T07:30:00Z, svc-web, true",
      "2025-03-28T17:30:00Z, svc-web, false",
      "2025-03-31T07:30:00Z, svc-web, false",
      "2025-03-31T17:30:00Z, svc-web, true",
      // Autumn change, Sunday 26 October 2025: 07:30Z is 08:30 BST before it, 07:30 GMT after.
      "2025-10-24T07:30:00Z, svc-web, false",
      "2025-10-24T17:30:00Z, svc-web, true",
      "2025-10-27T07:30:00Z, svc-web, true",
      "2025-10-27T17:30:00Z, svc-web, false",
      // The weekend, the boundaries (from inclusive, until exclusive).
      "2025-03-29T12:00:00Z, svc-web, true",
      "2025-03-03T08:00:00Z, svc-web, false",
      "2025-03-03T18:00:00Z, svc-web, true",
      // The first matching rule decides: batch jobs run overnight, every day.
      "2025-03-29T23:00:00Z, svc-batch-1, false",
      "2025-03-30T04:30:00Z, svc-batch-1, false",
      "2025-03-31T12:00:00Z, svc-batch-1, true",
      // No rule matches: unrestricted.
      "2025-03-29T03:00:00Z, alice, false",
  })
  @DisplayName("SS-002 11.3.14 — use outside allowed hours in Europe/London, across daylight-saving changes")
  void outsideHours(String instant, String principal, boolean outside) {
    List<Alert> alerts = at(instant, principal);
    if (outside) {
      assertThat(alerts).singleElement().satisfies(a -> {
        assertThat(a.kind()).isEqualTo(AlertKind.OUTSIDE_HOURS);
        assertThat(a.severity()).isEqualTo(Severity.MEDIUM);
        assertThat(a.principalId()).isEqualTo(principal);
      });
    } else {
      assertThat(alerts).isEmpty();
    }
  }

  @Test
  @DisplayName("SS-002 11.3.14 — the alert names the local time, the zone and the rule")
  void message() {
    assertThat(at("2025-03-28T07:30:00Z", "svc-web")).singleElement()
        .satisfies(a -> {
          assertThat(a.message()).isEqualTo("SS-002 11.3.14: principal 'svc-web' acted at"
              + " 2025-03-28T07:30 Europe/London (Friday), outside its allowed hours"
              + " Mon,Tue,Wed,Thu,Fri 08:00-18:00 (rule 'svc-*'): kms.encrypt on"
              + " 'kms/keys/payments'");
          assertThat(a.evidence()).containsEntry("localTime", "2025-03-28T07:30")
              .containsEntry("zone", "Europe/London").containsEntry("rule", "svc-*");
        });
  }

  @Test
  @DisplayName("SS-002 11.3.14 — one alert per principal per cool-down")
  void coolDown() {
    assertThat(at("2025-03-29T10:00:00Z", "svc-web")).hasSize(1);
    assertThat(at("2025-03-29T10:10:00Z", "svc-web")).isEmpty();
    assertThat(at("2025-03-29T10:20:00Z", "svc-api")).hasSize(1);
    assertThat(at("2025-03-29T10:59:59Z", "svc-web")).isEmpty();
    assertThat(at("2025-03-29T11:00:00Z", "svc-web")).hasSize(1);
  }
}
