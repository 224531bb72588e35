package io.custos.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.audit.AuditEvent;
import io.custos.audit.AuditEvent.Principal;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("SS-002 11.3.14 — the anomaly detector as a whole")
class AnomalyDetectorTest {
  // Everything sensitive: small thresholds, no learning period, a KEK prefix.
  private static final MonitorSettings TOUCHY = MonitorSettings.defaults()
      .with(new MonitorSettings.Resources(List.of("kms/keys/"), List.of("kms/keks/"),
          Set.of("kms.wrap", "kms.unwrap")))
      .with(new MonitorSettings.FirstUse(Duration.ZERO))
      .with(new MonitorSettings.Denials(2, Duration.ofMinutes(1), Duration.ZERO))
      .with(new MonitorSettings.BulkDecrypt(Set.of("kms.decrypt"), 2, Duration.ofMinutes(1),
          Duration.ZERO));

  private final Events events = new Events();

  @Test
  @DisplayName("SS-002 11.3.14 — events recording alerts are never monitored, so alerts cannot loop")
  void alertEventsAreIgnored() {
    AnomalyDetector detector = Events.detector(TOUCHY, KekAuthorisations.noneGranted());
    List<AuditEvent> stream = new ArrayList<>();
    for (AlertKind kind : AlertKind.values()) {
      for (int i = 0; i < 5; i++) {
        stream.add(events.at(Duration.ofSeconds(i)).by("custos-monitor").does(kind.code())
            .on("kms/keks/root").from("127.0.0.1").event());
        stream.add(events.at(Duration.ofSeconds(i)).by("custos-monitor").does(kind.code())
            .on("kms/keys/payments").denied().event());
      }
    }
    assertThat(Events.feed(detector, stream)).isEmpty();
    assertThat(detector.tracked()).isEqualTo(new Tracked(0, 0, 0, 0));
  }

  @Test
  @DisplayName("SS-002 11.3.14 — one event can raise several alerts, most urgent kinds first")
  void orderOfAlerts() {
    AnomalyDetector detector = Events.detector(TOUCHY, KekAuthorisations.noneGranted());
    detector.observe(events.at(Duration.ZERO).does("kms.decrypt").on("kms/keks/root").event());
    assertThat(detector.observe(events.at(Duration.ofSeconds(1)).by("svc-a").does("kms.decrypt")
        .on("kms/keks/other").event())).extracting(Alert::kind).containsExactly(
            AlertKind.KEK_UNAUTHORISED, AlertKind.BULK_DECRYPT, AlertKind.FIRST_USE);
  }

  @Test
  @DisplayName("SS-002 11.3.14 — a null event raises nothing and does not throw")
  void nullEvent() {
    AnomalyDetector detector = Events.detector(TOUCHY, KekAuthorisations.noneGranted());
    assertThat(detector.observe(null)).isEmpty();
  }

  @Test
  @DisplayName("SS-002 11.3.14 — alerts never carry event parameters, and their messages are one line")
  void noSecretsOneLine() {
    AnomalyDetector detector = Events.detector(TOUCHY, KekAuthorisations.noneGranted());
    List<AuditEvent> stream = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      stream.add(events.at(Duration.ofSeconds(i)).does("kms.decrypt")
          .on("kms/keks/x\n[fake] line\u2028" + i).param("tokenHmac", "hmac-8f1e2d")
          .param("plaintextLength", "4242").denied().event());
      stream.add(events.at(Duration.ofSeconds(i)).does("kms.decrypt")
          .on("kms/keks/x\n[fake] line\u2028" + i).param("tokenHmac", "hmac-8f1e2d").event());
    }
    List<Alert> alerts = Events.feed(detector, stream);
    assertThat(alerts).isNotEmpty().allSatisfy(a -> {
      assertThat(a.toString()).doesNotContain("hmac-8f1e2d").doesNotContain("4242");
      assertThat(a.message()).doesNotContain("\n").doesNotContain("\u2028")
          .contains("U+000A");
    });
  }

  @Test
  @DisplayName("SS-002 11.3.14 — an alert can itself be recorded in the audit log under its stable code")
  void alertsAreAuditable() {
    assertThat(AlertKind.values()).extracting(AlertKind::code).containsExactly(
        "alert.rate_spike", "alert.first_use", "alert.denial_burst", "alert.bulk_decrypt",
        "alert.outside_hours", "alert.kek_unauthorised");
    assertThat(AlertKind.ofCode("alert.first_use")).contains(AlertKind.FIRST_USE);
    assertThat(AlertKind.ofCode("kms.encrypt")).isEmpty();

    AnomalyDetector detector = Events.detector(TOUCHY, KekAuthorisations.noneGranted());
    Alert alert = detector.observe(events.at(Duration.ZERO).does("kms.wrap").on("kms/keks/root")
        .event()).getFirst();
    AuditEvent recorded = new AuditEvent(99, alert.time(), "monitor-99",
        new Principal("custos-monitor", "internal"), alert.kind().code(), alert.resource(),
        AuditEvent.Outcome.OK, Optional.of(alert.control()), "", alert.evidence());
    assertThat(recorded.params()).isEqualTo(alert.evidence());
    assertThat(detector.observe(recorded)).isEmpty();
  }

  @Test
  @DisplayName("SS-002 11.3.14 — the learning period starts at the injected clock's instant, whatever it reads")
  void learningStartsAtClock() {
    Instant start = Instant.parse("2030-01-01T00:00:00Z");
    AnomalyDetector detector = new AnomalyDetector(MonitorSettings.defaults(),
        KekAuthorisations.noneGranted(), InstantSource.fixed(start));
    assertThat(detector.learningEndsAt()).isEqualTo(start.plus(Duration.ofHours(24)));
    // Replayed history from before the start only teaches.
    assertThat(detector.observe(events.at(Duration.ZERO).on("kms/keys/old").event())).isEmpty();

    AnomalyDetector extreme = new AnomalyDetector(MonitorSettings.defaults(),
        KekAuthorisations.noneGranted(), InstantSource.fixed(Instant.MAX));
    assertThat(extreme.observe(events.at(Duration.ZERO).on("kms/keys/new").event())).isEmpty();
  }
}
