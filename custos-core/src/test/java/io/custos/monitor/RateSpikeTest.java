package io.custos.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.audit.AuditEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("SS-002 11.3.14 — rate baselines per principal and per key")
class RateSpikeTest {
  // Baseline of 10 per minute gives a threshold of max(20, 4 × 10) = 40.
  private static final MonitorSettings SETTINGS = MonitorSettings.defaults().with(
      new MonitorSettings.Rate(Duration.ofSeconds(60), 0.2, 5, 4.0, 20, Duration.ofMinutes(10)));

  private final Events events = new Events();
  private final AnomalyDetector detector =
      Events.detector(SETTINGS, KekAuthorisations.noneGranted());

  /** {@code count} events spread evenly over minute {@code minute} after T0. */
  private List<AuditEvent> minute(int minute, int count, String principal, String action) {
    List<AuditEvent> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(events.at(Duration.ofSeconds(60L * minute).plusMillis(i * (60_000L / count)))
          .by(principal).does(action).event());
    }
    return out;
  }

  private List<Alert> steady(int fromMinute, int toMinute, int perMinute) {
    List<Alert> alerts = new ArrayList<>();
    for (int m = fromMinute; m < toMinute; m++) {
      alerts.addAll(Events.feed(detector, minute(m, perMinute, "svc-a", "kms.decrypt")));
    }
    return alerts;
  }

  @Test
  @DisplayName("SS-002 11.3.14 — steady traffic raises no alert")
  void steadyTrafficIsQuiet() {
    assertThat(steady(0, 60, 10)).isEmpty();
  }

  @Test
  @DisplayName("SS-002 11.3.14 — a burst of decrypts far above the baseline raises one alert for the principal and one for the key")
  void spikeRaisesOneAlertPerSubject() {
    assertThat(steady(0, 10, 10)).isEmpty();

    List<AuditEvent> burst = minute(10, 100, "svc-a", "kms.decrypt");
    List<Alert> alerts = Events.feed(detector, burst);

    assertThat(alerts).extracting(Alert::kind).containsOnly(AlertKind.RATE_SPIKE);
    assertThat(alerts).extracting(Alert::message).containsExactly(
        "SS-002 11.3.14: principal 'svc-a' made 41 requests in 60s, baseline 10.0 per 60s",
        "SS-002 11.3.14: key 'kms/keys/payments' was used 41 times in 60s (latest by principal"
            + " 'svc-a'), baseline 10.0 per 60s");
    Alert first = alerts.getFirst();
    assertThat(first.eventSeq()).isEqualTo(burst.get(40).seq());
    assertThat(first.time()).isEqualTo(burst.get(40).time());
    assertThat(first.severity()).isEqualTo(Severity.MEDIUM);
    assertThat(first.control()).isEqualTo("SS-002 11.3.14");
    assertThat(first.principalId()).isEqualTo("svc-a");
    assertThat(first.evidence()).containsEntry("count", "41").containsEntry("baseline", "10.0")
        .containsEntry("threshold", "40.0").containsEntry("windowMillis", "60000");
    assertThat(alerts.get(1).resource()).isEqualTo("kms/keys/payments");
  }

  @Test
  @DisplayName("SS-002 11.3.14 — a count exactly at the threshold is not a spike")
  void thresholdIsExclusive() {
    steady(0, 10, 10);
    assertThat(Events.feed(detector, minute(10, 40, "svc-a", "kms.decrypt"))).isEmpty();
  }

  @Test
  @DisplayName("SS-002 11.3.14 — no second alert for the same subject within the cool-down")
  void coolDownRespected() {
    steady(0, 10, 10);
    assertThat(Events.feed(detector, minute(10, 500, "svc-a", "kms.encrypt"))).hasSize(2);
    steady(11, 12, 10);
    // Two minutes later, within the 10-minute cool-down: far above the baseline, yet quiet.
    assertThat(Events.feed(detector, minute(12, 500, "svc-a", "kms.encrypt"))).isEmpty();
    assertThat(steady(13, 22, 10)).isEmpty();
    // Twelve minutes after the first alert the cool-down is over.
    assertThat(Events.feed(detector, minute(22, 500, "svc-a", "kms.encrypt")))
        .extracting(Alert::kind).containsExactly(AlertKind.RATE_SPIKE, AlertKind.RATE_SPIKE);
  }

  @Test
  @DisplayName("SS-002 11.3.14 — no alert during the warm-up, however busy")
  void warmUpRespected() {
    // Five windows must finish first: minutes 0 to 4 are warm-up, minute 5 may alert.
    for (int m = 0; m < 5; m++) {
      assertThat(Events.feed(detector, minute(m, m == 2 ? 500 : 10, "svc-a", "kms.encrypt")))
          .as("minute %d", m).isEmpty();
    }
    // The warm-up burst lifted the baseline: 0.2 × 500 folded in, then decayed by 10s.
    assertThat(steady(5, 20, 10)).isEmpty();
    assertThat(Events.feed(detector, minute(20, 500, "svc-a", "kms.encrypt"))).hasSize(2);
  }

  @Test
  @DisplayName("SS-002 11.3.14 — a key's baseline catches a spike spread over many principals")
  void keyBaselineCatchesSpreadSpike() {
    List<Alert> alerts = new ArrayList<>();
    for (int m = 0; m < 10; m++) {
      for (int p = 0; p < 10; p++) {
        alerts.addAll(Events.feed(detector, minute(m, 1, "svc-" + p, "kms.encrypt")));
      }
    }
    for (int p = 0; p < 10; p++) {
      // Six each: no principal's own threshold (20) is crossed, but the key sees 60 against 10.
      alerts.addAll(Events.feed(detector, minute(10, 6, "svc-" + p, "kms.encrypt")));
    }
    assertThat(alerts).singleElement().satisfies(a -> {
      assertThat(a.resource()).isEqualTo("kms/keys/payments");
      assertThat(a.message()).startsWith("SS-002 11.3.14: key 'kms/keys/payments' was used 41 times");
    });
  }

  @Test
  @DisplayName("SS-002 11.3.14 — after a long silence the baseline has decayed and minCount guards")
  void longGapDecays() {
    steady(0, 10, 10);
    // A day later: the baseline has decayed to nothing, so only minCount (20) stands.
    List<AuditEvent> later = minute(60 * 24, 21, "svc-a", "kms.encrypt");
    assertThat(Events.feed(detector, later.subList(0, 20))).isEmpty();
    assertThat(Events.feed(detector, later.subList(20, 21))).hasSize(2);
  }
}
